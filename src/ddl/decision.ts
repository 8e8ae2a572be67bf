/**
 * The decision log: one entry per converted object (and one per change made to it), so users can
 * see what was converted as is, what was changed and why, and what could not be converted.
 */
export type DecisionKind = 'as-is' | 'changed' | 'not-convertible';

export interface Decision {
  /** What the entry is about, e.g. `table app.public.users`, `index app.public.users@users_email_idx`. */
  readonly object: string;
  readonly kind: DecisionKind;
  /** What was done (or not done). */
  readonly what: string;
  /** Why. */
  readonly why: string;
  /** What the user can do about it, when relevant. */
  readonly fix?: string;
  /**
   * Set on a "changed" entry whose every change keeps the meaning: PostgreSQL spellings of the same
   * expression, names PostgreSQL requires for keys, indexes and constraints. Nothing for a person to do.
   */
  readonly sameMeaning?: true;
}

/** Collects decisions in conversion order. */
export class DecisionLog {
  readonly entries: Decision[] = [];
  asIs(object: string, what: string): void {
    this.entries.push({ object, kind: 'as-is', what, why: 'same meaning in PostgreSQL' });
  }
  changed(object: string, what: string, why: string, fix?: string, sameMeaning = false): void {
    this.entries.push({
      object,
      kind: 'changed',
      what,
      why,
      ...(fix ? { fix } : {}),
      ...(sameMeaning ? { sameMeaning: true as const } : {}),
    });
  }
  notConvertible(object: string, what: string, why: string, fix?: string): void {
    this.entries.push({ object, kind: 'not-convertible', what, why, ...(fix ? { fix } : {}) });
  }
}

/**
 * "what — why (fix: …)" for one line of text, saying nothing twice: entries whose `why` repeats
 * `what` (an expression rewrite: what = "DEFAULT rewritten", why = "DEFAULT rewritten: ::: → ::")
 * print the `why` alone.
 */
export function decisionText(d: Decision): string {
  const body =
    d.kind === 'as-is'
      ? d.what
      : d.why === d.what || d.why.startsWith(`${d.what}: `) || d.why.startsWith(`${d.what} `)
        ? d.why
        : `${d.what} — ${d.why}`;
  return `${body}${d.fix ? ` (fix: ${d.fix})` : ''}`;
}

/**
 * The one place identifiers and literals become SQL text for PostgreSQL (style.md habit 7).
 * Identifiers are always double-quoted (so case, reserved words and odd characters survive);
 * literals use standard-conforming strings ('…' with doubled quotes; backslashes are literal).
 */

/** `"name"` with embedded double quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."name"`. */
export function quoteQualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * A string literal for PostgreSQL with standard_conforming_strings = on (the default since 9.1).
 * NUL cannot be represented in PostgreSQL text; callers must not pass it (it is replaced by U+FFFD).
 */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll('\u0000', '\ufffd').replaceAll("'", "''")}'`;
}

/** A bytea literal in hex form. */
export function quoteBytea(bytes: Uint8Array): string {
  return `'\\x${Buffer.from(bytes).toString('hex')}'::bytea`;
}

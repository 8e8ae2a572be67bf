/**
 * Accepts `SHOW CREATE …` output as the `cockroach sql` CLI prints it: plain statements, or a
 * `create_statement` header followed by CSV/TSV records (records holding newlines, tabs, quotes or
 * a leading space are wrapped in "…" with inner quotes doubled — the case the original tool broke,
 * shared/docs/original-tool.md §d.1 and §g-13). Returns plain SQL text with one statement per record.
 */

const HEADER = /^\s*(table_name[\t, ]+)?create_statement\s*$/;

/** Parses CSV/TSV records (RFC 4180 quoting) and returns the last field of each. */
function lastFields(body: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < body.length) {
    const fields: string[] = [];
    for (;;) {
      let f = '';
      if (body[i] === '"') {
        i++;
        for (;;) {
          const c = body[i];
          if (c === undefined) break;
          if (c === '"') {
            if (body[i + 1] === '"') {
              f += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          f += c;
          i++;
        }
      } else {
        while (
          i < body.length &&
          body[i] !== '\n' &&
          body[i] !== '\t' &&
          !(body[i] === ',' && fields.length === 0 && /^[A-Za-z_][\w]*$/.test(f))
        ) {
          f += body[i];
          i++;
        }
      }
      fields.push(f);
      if (body[i] === '\t' || (body[i] === ',' && fields.length === 1)) {
        i++;
        continue;
      }
      break;
    }
    while (body[i] === '\r' || body[i] === '\n') i++;
    const last = fields[fields.length - 1] ?? '';
    if (last.trim()) out.push(last);
  }
  return out;
}

/** Plain SQL text from SHOW CREATE output (unwrapping CSV/TSV when a header line is present). */
export function unwrapShowCreateOutput(input: string): string {
  const text = input.replace(/^\uFEFF/, '');
  const lines = text.split('\n');
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0 || !HEADER.test(lines[first]!)) return text;
  const body = lines.slice(first + 1).join('\n');
  // Plain output (no CSV quoting anywhere): statements as they are.
  if (!lines.slice(first + 1).some((l) => /^(\w+[\t,])?"/.test(l))) return body;
  const records = lastFields(body);
  return records.map((r) => (/;\s*$/.test(r) ? r : `${r};`)).join('\n');
}

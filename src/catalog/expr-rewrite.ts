/**
 * Rewrites descriptor-id references in stored expressions to names (docs/formats.md §3.10):
 * `nextval(105:::REGCLASS)` → `nextval('public.seq'::REGCLASS)` and `@100053` (a type OID) →
 * `public.status`. String literals are left untouched.
 */

export interface ExprNames {
  /** Table/sequence/view id → schema-qualified name (`public.seq`). */
  relation(id: number): string | undefined;
  /** User-defined type id → schema-qualified name. */
  type(id: number): string | undefined;
  /** Enum type id + physical representation → label (for `x'40':::@100053` literals). */
  enumLabel?(typeId: number, physical: Uint8Array): string | undefined;
}

/** Type OIDs of user-defined types are 100000 + descriptor id (`catid.TypeIDToOID`). */
const USER_TYPE_OID_OFFSET = 100000;

/**
 * CockroachDB stores enum values in expressions as their physical representation, a bytes literal
 * cast to the type: `x'40':::@100053` (or `b'\x40'`). Replace it by the label, which is what
 * PostgreSQL (and the user) understands: `'admin':::@100053`.
 */
function enumLiteralsToLabels(expr: string, names: ExprNames): string {
  if (!names.enumLabel) return expr;
  return expr.replace(/[xX]'([0-9a-fA-F]*)':::@(\d+)/g, (m, hex: string, oid: string) => {
    const id = Number(oid) - USER_TYPE_OID_OFFSET;
    const label = names.enumLabel!(id, Uint8Array.from(Buffer.from(hex, 'hex')));
    return label === undefined ? m : `'${label.replace(/'/g, "''")}':::@${oid}`;
  });
}

/** Double-quotes an identifier unless it is a plain lower-case name. */
export function quoteIdent(s: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(s) ? s : `"${s.replace(/"/g, '""')}"`;
}

const REGCLASS_RE = /(\d+):::REGCLASS/gi;
const TYPE_RE = /@(\d+)/g;

export function rewriteExpr(expr: string, names: ExprNames): string {
  if (!/\d/.test(expr)) return expr;
  expr = enumLiteralsToLabels(expr, names);
  let out = '';
  let i = 0;
  while (i < expr.length) {
    const q = expr.indexOf("'", i);
    const code = q < 0 ? expr.slice(i) : expr.slice(i, q);
    out += rewriteCode(code, names);
    if (q < 0) break;
    // Copy the string literal verbatim ('' is an escaped quote).
    let j = q + 1;
    for (;;) {
      const e = expr.indexOf("'", j);
      if (e < 0) {
        j = expr.length;
        break;
      }
      if (expr[e + 1] === "'") {
        j = e + 2;
        continue;
      }
      j = e + 1;
      break;
    }
    out += expr.slice(q, j);
    i = j;
  }
  return out;
}

function rewriteCode(code: string, names: ExprNames): string {
  return code
    .replace(REGCLASS_RE, (m, id: string) => {
      const n = names.relation(Number(id));
      return n === undefined ? m : `'${n.replace(/'/g, "''")}'::REGCLASS`;
    })
    .replace(TYPE_RE, (m, oid: string) => {
      const v = Number(oid);
      if (v < 100000) return m;
      return names.type(v - 100000) ?? m;
    });
}

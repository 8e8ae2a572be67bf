/**
 * The DDL-text front end's public entry: SHOW CREATE output → schema model.
 */
import type { Catalog } from '../model/catalog.js';
import { parseCrdbDdl, type ParseOptions } from './parse-crdb-ddl.js';

/** Parses `SHOW CREATE ALL TABLES` / `SHOW CREATE ALL TYPES` / `SHOW CREATE …` output. */
export function convertShowCreate(text: string, opts: ParseOptions = {}): { catalog: Catalog; warnings: string[] } {
  const r = parseCrdbDdl(text, opts);
  return { catalog: r.catalog, warnings: [...r.warnings] };
}

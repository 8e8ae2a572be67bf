/** `cockroach-migrate convert-schema [file]`: SHOW CREATE text → PostgreSQL DDL on stdout. */
import { readFileSync } from 'node:fs';
import { text as readStream } from 'node:stream/consumers';
import type { LoadedConfig } from '../config/load-config.js';
import { convertSchemaText } from '../ddl/convert-schema-text.js';
import { ConfigError } from '../util/errors.js';
import { convertOptionsOf } from '../pipeline/convert-options.js';

export async function convertSchemaCommand(file: string | undefined, loaded: LoadedConfig): Promise<void> {
  let input: string;
  if (file) {
    try {
      input = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(
        `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        'pass a readable file with SHOW CREATE output, or pipe it on stdin',
      );
    }
  } else {
    if (process.stdin.isTTY) {
      throw new ConfigError(
        'convert-schema reads SHOW CREATE output from stdin or a file',
        'e.g. cockroach sql -e "SHOW CREATE ALL TABLES" > in.sql && cockroach-migrate convert-schema in.sql',
      );
    }
    input = await readStream(process.stdin);
  }
  // The same conversion options a migration with this config uses (database_mapping, rowid, extensions).
  const out = convertSchemaText(input, convertOptionsOf(loaded.config));
  process.stdout.write(out);
}

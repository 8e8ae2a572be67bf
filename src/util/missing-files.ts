import { MigrateError } from './errors.js';

/** How many missing files one error line names before it says "and N more". */
const NAMED = 5;

/**
 * The one error for data files a store's MANIFEST or a backup's manifest lists but that are absent:
 * names them (the first few), says what is lost, and gives both fixes — a complete copy, or the
 * `allow_missing_files` opt-in, after which the run can never be reported as verified identical.
 */
export function missingFilesError(files: readonly string[], listedBy: string, completeCopy: string): MigrateError {
  const more = files.length > NAMED ? `, and ${files.length - NAMED} more` : '';
  const named = files.slice(0, NAMED).join(', ');
  return new MigrateError(
    `${files.length === 1 ? `data file ${named} is` : `${files.length} data files are`} missing${files.length === 1 ? '' : ` (${named}${more})`}: ${listedBy} lists ${files.length === 1 ? 'it' : 'them'}, so the rows stored in ${files.length === 1 ? 'it' : 'them'} cannot be read`,
    `copy the complete ${completeCopy}, or set allow_missing_files: true (--allow-missing-files) to migrate what is readable, knowing those rows are missing (the run is then reported as loaded with missing source files, never as verified identical)`,
  );
}

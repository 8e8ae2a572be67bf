import { printableBytes } from '../util/bytes.js';
import { StorageError } from '../util/errors.js';

/**
 * Longest path accepted, in UTF-8 bytes: the object-name limit of S3, GCS and Azure Blob (1024),
 * so that no backend can be handed a name it would truncate, and no error quotes more than this.
 */
export const MAX_PATH_BYTES = 1024;

/** Shown characters of a refused path in a message (the rest is cut, with `…`). */
const SHOWN_BYTES = 120;

const HINT =
  'a path read from the backup (LATEST, a manifest, a partition descriptor) or given in the config must stay inside the backup location; ' +
  'the backup is damaged or was tampered with — re-copy it from its original location';

/** A path (or any text from a file) as it may appear in a message: printable ASCII, `\xNN` escapes, cut at `max` bytes. */
export function printablePath(path: string, max = SHOWN_BYTES): string {
  return printableBytes(new TextEncoder().encode(path), max);
}

/** Percent-decodes until stable (at most a few rounds), so `%252e%252e` is seen as `..` too. */
function decodedForms(segment: string): string[] {
  const forms = [segment];
  let s = segment;
  for (let i = 0; i < 4 && s.includes('%'); i++) {
    let d: string;
    try {
      d = decodeURIComponent(s);
    } catch {
      break; // not valid percent-encoding: no server decodes it into something else
    }
    if (d === s) break;
    forms.push(d);
    s = d;
  }
  return forms;
}

/**
 * The one place where a path handed to a Storage is checked (style.md §2: "paths confined to their
 * root"). Every backend calls it before building a file name, key, blob name or URL, because the
 * paths come from files inside the backup (`LATEST`, manifests) and URL builders and servers
 * resolve `..` (a `..` reached another Azure container with the user's key).
 *
 * Returns the path relative to the storage root, `/`-separated, with `.` segments removed (`''` is
 * the root). Refused, with a StorageError naming `root` and the path (escaped and cut): an absolute
 * path, a `..` segment (also percent-encoded, once or more), a backslash, an empty segment (`a//b`),
 * a control character or an invalid UTF-8 sequence (U+FFFD), more than {@link MAX_PATH_BYTES} bytes.
 * With `prefix` (list prefixes), one trailing `/` is kept.
 */
export function confinePath(root: string, path: string, opts: { readonly prefix?: boolean } = {}): string {
  const refuse = (why: string): never => {
    throw new StorageError(`${root}: refused path "${printablePath(path)}" (${why})`, HINT);
  };
  if (path === '') return '';
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) refuse(`longer than ${MAX_PATH_BYTES} bytes`);
  // C0 controls, DEL, C1 controls, and U+FFFD (what invalid UTF-8 from a file decodes to).
  // eslint-disable-next-line no-control-regex -- matching control characters is the point of this check
  if (/[\u0000-\u001f\u007f-\u009f\ufffd]/.test(path)) refuse('control character or invalid UTF-8');
  if (path.includes('\\')) refuse('backslash');
  if (path.startsWith('/')) refuse('absolute path');
  if (/^[A-Za-z]:/.test(path)) refuse('drive letter');
  const trailing = opts.prefix === true && path.endsWith('/');
  const segments = (trailing ? path.slice(0, -1) : path).split('/');
  const kept: string[] = [];
  for (const seg of segments) {
    if (seg === '') refuse('empty path segment');
    for (const form of decodedForms(seg)) {
      if (form === '..') refuse('".." leaves the storage root');
      if (form !== seg && (form === '.' || form.includes('/') || form.includes('\\'))) refuse('percent-encoded "." or separator');
    }
    if (seg !== '.') kept.push(seg);
  }
  const rel = kept.join('/');
  return trailing && rel !== '' ? `${rel}/` : rel;
}

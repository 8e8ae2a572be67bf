/**
 * What a storage answered while a folder was opened — its listings, existence checks and whole
 * objects read — as plain data that can be posted to another thread, and a storage that answers
 * those same questions from that data. A second opening of a folder that does not change while it
 * is read (a backup), in a load worker, then runs the same steps as the first without a request:
 * on object storage each request of an open is a round trip on the critical path.
 */
import { StorageError } from '../util/errors.js';
import { isAbsentError, type Storage } from './storage.js';

export interface ListAnswer {
  readonly prefix: string;
  /** '' when the listing had no delimiter. */
  readonly delimiter: string;
  readonly names: readonly string[];
}

export interface ExistsAnswer {
  readonly path: string;
  readonly present: boolean;
}

export interface ReadAnswer {
  readonly path: string;
  /** The whole object; absent when the object did not exist. */
  readonly bytes?: Uint8Array;
}

/** Structured-clonable: strings, booleans and Uint8Arrays that own their buffers. */
export interface StorageAnswers {
  readonly lists: readonly ListAnswer[];
  readonly exists: readonly ExistsAnswer[];
  readonly reads: readonly ReadAnswer[];
}

export interface AnswerRecorder {
  /** The storage whose answers are recorded (every call goes through to the storage). */
  readonly storage: Storage;
  /**
   * Stops recording and gives what was answered so far. Questions still in flight are left out:
   * the other opening asks them itself if it needs them.
   */
  finish(): StorageAnswers;
}

const listKey = (prefix: string, delimiter: string | undefined): string => `${delimiter ?? ''}\u0000${prefix}`;

/**
 * Records the answers `storage` gives until `finish()`. Only answers: a failure other than "no such
 * object" is not an answer (the other opening asks again and meets the failure itself).
 */
export function recordingAnswers(storage: Storage): AnswerRecorder {
  let recording = true;
  // By question: a question asked twice is recorded once.
  const lists = new Map<string, ListAnswer>();
  const exists = new Map<string, ExistsAnswer>();
  const reads = new Map<string, ReadAnswer>();
  const record = <T>(answer: Promise<T>, onValue: (v: T) => void, onAbsent?: () => void): Promise<T> => {
    answer.then(
      (v) => {
        if (recording) onValue(v);
      },
      (e: unknown) => {
        if (recording && onAbsent && isAbsentError(e)) onAbsent();
      },
    );
    return answer;
  };
  return {
    storage: {
      name: storage.name,
      list: (prefix, opts) =>
        record(storage.list(prefix, opts), (names) =>
          lists.set(listKey(prefix, opts?.delimiter), { prefix, delimiter: opts?.delimiter ?? '', names }),
        ),
      exists: (path) => record(storage.exists(path), (present) => exists.set(path, { path, present })),
      readAll: (path) =>
        record(
          storage.readAll(path),
          (bytes) => reads.set(path, { path, bytes }),
          () => reads.set(path, { path }),
        ),
      reader: (path) => storage.reader(path),
      sub: (path) => storage.sub(path),
      close: () => storage.close(),
    },
    finish() {
      recording = false;
      // A view into a larger buffer (a pooled Buffer, a response body) would be cloned whole.
      const own = (b: Uint8Array): Uint8Array => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice());
      return {
        lists: [...lists.values()],
        exists: [...exists.values()],
        reads: [...reads.values()].map((r) => (r.bytes ? { path: r.path, bytes: own(r.bytes) } : { path: r.path })),
      };
    },
  };
}

/**
 * `storage` answering listings, existence checks and whole-object reads from `answers` where they
 * hold the question, asking `storage` otherwise. Ranged readers and sub-folders always go to
 * `storage` (an open reads no data file).
 */
export function answeringFrom(storage: Storage, answers: StorageAnswers): Storage {
  const lists = new Map(answers.lists.map((a) => [listKey(a.prefix, a.delimiter), a.names]));
  const exists = new Map(answers.exists.map((a) => [a.path, a.present]));
  const reads = new Map(answers.reads.map((a) => [a.path, a.bytes]));
  return {
    name: storage.name,
    list(prefix, opts) {
      const names = lists.get(listKey(prefix, opts?.delimiter));
      return names ? Promise.resolve([...names]) : storage.list(prefix, opts);
    },
    exists(path) {
      const present = exists.get(path);
      return present === undefined ? storage.exists(path) : Promise.resolve(present);
    },
    readAll(path) {
      if (!reads.has(path)) return storage.readAll(path);
      const bytes = reads.get(path);
      if (bytes) return Promise.resolve(bytes);
      return Promise.reject(
        new StorageError(`${storage.name.replace(/\/+$/, '')}/${path}: no such object`, 'the backup is incomplete or the path is wrong'),
      );
    },
    reader: (path) => storage.reader(path),
    sub: (path) => storage.sub(path),
    close: () => storage.close(),
  };
}

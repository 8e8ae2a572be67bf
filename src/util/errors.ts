/**
 * Typed errors. Each has a fixed `name` and an `is…` guard that checks the name, so errors survive
 * being rethrown across module (or realm) boundaries. Messages are one line: what went wrong,
 * where, and what to do about it. Low layers throw with an offset; the layer above rethrows with
 * the file name and `{ cause }`.
 */

export type DecodeLayer =
  | 'sst'
  | 'block'
  | 'compression'
  | 'blob'
  | 'wal'
  | 'manifest'
  | 'mvcc'
  | 'key'
  | 'value'
  | 'proto'
  | 'descriptor'
  | 'backup'
  | 'encryption';

/** Base of every error this tool raises on purpose. `hint` is the "what to do" part. */
export class MigrateError extends Error {
  override name = 'MigrateError';
  constructor(
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(hint ? `${message}; ${hint}` : message, options);
  }
}

/** Bytes that do not decode: names the file (when known), the byte offset and the layer. */
export class DecodeError extends MigrateError {
  override name = 'DecodeError';
  constructor(
    readonly layer: DecodeLayer,
    readonly detail: string,
    readonly file?: string,
    readonly offset?: number,
    hint?: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${layer}: ${detail}${file !== undefined ? ` in ${file}` : ''}${offset !== undefined ? ` at offset ${offset}` : ''}`,
      hint,
      options,
    );
  }

  /** The same error, now saying which file it came from (used by the layer that knows the file). */
  inFile(file: string, baseOffset = 0): DecodeError {
    if (this.file !== undefined) return this;
    return new DecodeError(this.layer, this.detail, file, this.offset !== undefined ? this.offset + baseOffset : undefined, this.hint, {
      cause: this.cause,
    });
  }
}

/** A configuration key has a wrong value, or a needed one is missing. */
export class ConfigError extends MigrateError {
  override name = 'ConfigError';
}

/** A storage location (file, S3 object, URL) cannot be read. */
export class StorageError extends MigrateError {
  override name = 'StorageError';
}

/** Schema objects the tool cannot represent or convert; names database.table.column. */
export class SchemaError extends MigrateError {
  override name = 'SchemaError';
}

/** Loading into or verifying against PostgreSQL failed. */
export class LoadError extends MigrateError {
  override name = 'LoadError';
}

export const isMigrateError = (e: unknown): e is MigrateError =>
  e instanceof Error && typeof (e as MigrateError).name === 'string' && e instanceof MigrateError;
export const isDecodeError = (e: unknown): e is DecodeError => e instanceof Error && e.name === 'DecodeError';
export const isConfigError = (e: unknown): e is ConfigError => e instanceof Error && e.name === 'ConfigError';
export const isStorageError = (e: unknown): e is StorageError => e instanceof Error && e.name === 'StorageError';
export const isSchemaError = (e: unknown): e is SchemaError => e instanceof Error && e.name === 'SchemaError';
export const isLoadError = (e: unknown): e is LoadError => e instanceof Error && e.name === 'LoadError';

/**
 * An error as plain data, to cross a worker-thread boundary (structured clone keeps only
 * message and stack of an Error, losing its class and hint).
 */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly hint?: string;
  readonly decode?: { readonly layer: DecodeLayer; readonly detail: string; readonly file?: string; readonly offset?: number };
  /** PostgreSQL SQLSTATE or Node error code, when there was one. */
  readonly code?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const code = (e as { code?: unknown }).code;
  return {
    name: e.name,
    message: e.message,
    ...(e.stack !== undefined ? { stack: e.stack } : {}),
    ...(e instanceof MigrateError && e.hint !== undefined ? { hint: e.hint } : {}),
    ...(e instanceof DecodeError
      ? {
          decode: {
            layer: e.layer,
            detail: e.detail,
            ...(e.file !== undefined ? { file: e.file } : {}),
            ...(e.offset !== undefined ? { offset: e.offset } : {}),
          },
        }
      : {}),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

const migrateErrorClasses: Record<string, new (message: string, hint?: string) => MigrateError> = {
  MigrateError,
  ConfigError,
  StorageError,
  SchemaError,
  LoadError,
};

/** The error `serializeError` described, with its class (and so its `is…` guard and exit code) back. */
export function reviveError(s: SerializedError): Error {
  let e: Error;
  if (s.decode) {
    e = new DecodeError(s.decode.layer, s.decode.detail, s.decode.file, s.decode.offset, s.hint);
  } else if (migrateErrorClasses[s.name]) {
    const suffix = s.hint !== undefined ? `; ${s.hint}` : '';
    const base = suffix && s.message.endsWith(suffix) ? s.message.slice(0, -suffix.length) : s.message;
    e = new migrateErrorClasses[s.name]!(base, s.hint);
  } else {
    e = new Error(s.message);
    e.name = s.name;
  }
  if (s.stack !== undefined) e.stack = s.stack;
  if (s.code !== undefined) Object.assign(e, { code: s.code });
  return e;
}

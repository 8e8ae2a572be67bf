/**
 * Secret scrubbing for everything we print or write (console, migration.log, reports, errors).
 * Two layers: known secret values (from the config) are replaced wherever they appear, raw or
 * URL-encoded; and patterns that carry secrets in URLs are masked even when the value is unknown.
 */
const MASK = '***';

/** URL query parameters that carry credentials (CockroachDB cloud URLs, presigned URLs, libpq). */
const SECRET_PARAMS =
  /([?&](?:AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_ACCESS_KEY_ID|CREDENTIALS|AZURE_ACCOUNT_KEY|AZURE_CLIENT_SECRET|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|sig|password|sslpassword|token)=)[^&\s'"]*/gi;
/** user:password@ in URLs. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s'"]*:)[^@\s'"/]+(@)/gi;
/**
 * `export AWS_SECRET_KEY=…` style lines, key=value pairs of secret names, and the secret parts of
 * Azure connection strings (`AccountKey=…;`, `SharedAccessSignature=…`).
 */
const SECRET_ASSIGNMENTS =
  /\b((?:AWS_SECRET_ACCESS_KEY|AWS_SECRET_KEY|AWS_SESSION_TOKEN|PGPASSWORD)\s*[=:]\s*|(?:AZURE_STORAGE_KEY|AZURE_ACCOUNT_KEY|AZURE_CLIENT_SECRET|AZURE_STORAGE_SAS_TOKEN|CRDB_ENCRYPTION_PASSPHRASE|CRDB_ENCRYPTION_DATA_KEY|AccountKey|SharedAccessSignature)\s*=\s*)[^\s&;'"]+/g;

/**
 * password=… in a libpq keyword/value connection string (`host=db password='s p' sslmode=…`): the
 * value is single-quoted or runs to the next space; backslash escapes. URL query parameters
 * (?password=, &password=) are SECRET_PARAMS' part.
 */
const CONNINFO_PASSWORD = /((?<![?&\w])(?:password|sslpassword)\s*=\s*)(?:'(?:[^'\\]|\\.)*'?|(?:[^\s\\]|\\.)+)/gi;

/**
 * Environment variables whose values are credentials. Their values are masked wherever they
 * appear, whether or not a config key refers to them (the storage code reads some directly).
 */
export const SECRET_ENV_VARS: readonly string[] = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'PGPASSWORD',
  'CRDB_ENCRYPTION_PASSPHRASE',
  'CRDB_ENCRYPTION_DATA_KEY',
  'AZURE_STORAGE_KEY',
  'AZURE_STORAGE_SAS_TOKEN',
  'AZURE_STORAGE_CONNECTION_STRING',
  'AZURE_CLIENT_SECRET',
];

export class Redactor {
  private readonly secrets = new Set<string>();

  add(...values: readonly (string | undefined)[]): void {
    for (const v of values) {
      // Very short values would mask innocent text; they are weak secrets anyway.
      if (v && v.length >= 4) {
        this.secrets.add(v);
        this.secrets.add(encodeURIComponent(v));
      }
    }
  }

  /** Registers the values of SECRET_ENV_VARS (and the key and SAS inside a connection string). */
  addFromEnv(env: NodeJS.ProcessEnv): void {
    for (const name of SECRET_ENV_VARS) {
      const v = env[name];
      if (!v) continue;
      this.add(v);
      if (name === 'AZURE_STORAGE_CONNECTION_STRING') {
        for (const part of v.split(';')) {
          const m = /^\s*(AccountKey|SharedAccessSignature)\s*=(.+)$/i.exec(part);
          if (m) this.add(m[2]!.trim());
        }
      }
      // A SAS token is also written without its leading "?" and with its signature URL-decoded.
      if (name === 'AZURE_STORAGE_SAS_TOKEN') {
        const sas = v.replace(/^\?/, '');
        this.add(sas);
        const sig = new URLSearchParams(sas).get('sig');
        if (sig) this.add(sig, encodeURIComponent(sig));
      }
    }
  }

  redact(text: string): string {
    let out = text
      .replace(URL_PASSWORD, `$1${MASK}$2`)
      .replace(SECRET_PARAMS, `$1${MASK}`)
      .replace(SECRET_ASSIGNMENTS, `$1${MASK}`)
      .replace(CONNINFO_PASSWORD, `$1${MASK}`);
    // Longest first, so a secret containing another is masked whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(s)) out = out.split(s).join(MASK);
    }
    return out;
  }
}

/** The process-wide redactor used by the logger, the CLI's error printer and the reports. */
export const redactor = new Redactor();

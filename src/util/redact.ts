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
/** `export AWS_SECRET_KEY=…` style lines and key=value pairs of secret names. */
const SECRET_ASSIGNMENTS = /\b((?:AWS_SECRET_ACCESS_KEY|AWS_SECRET_KEY|AWS_SESSION_TOKEN|PGPASSWORD)\s*[=:]\s*)[^\s&'"]+/g;

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

  redact(text: string): string {
    let out = text.replace(URL_PASSWORD, `$1${MASK}$2`).replace(SECRET_PARAMS, `$1${MASK}`).replace(SECRET_ASSIGNMENTS, `$1${MASK}`);
    // Longest first, so a secret containing another is masked whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(s)) out = out.split(s).join(MASK);
    }
    return out;
  }
}

/** The process-wide redactor used by the logger, the CLI's error printer and the reports. */
export const redactor = new Redactor();

/**
 * Parses an AWS keys file as the original tool accepted it: shell lines such as
 * `export AWS_ACCESS_KEY=AKIA…` and `export AWS_SECRET_KEY=…` (optionally quoted, `#` comments).
 * The standard names `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` and the
 * lowercase config-file spellings `aws_access_key_id = …` are accepted as well. Pure.
 */
export interface AwsStaticKeys {
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
}

const ACCESS = new Set(['AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_ACCESS_KEY_ID_', 'ACCESS_KEY_ID']);
const SECRET = new Set(['AWS_SECRET_KEY', 'AWS_SECRET_ACCESS_KEY', 'SECRET_ACCESS_KEY']);
const TOKEN = new Set(['AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'SESSION_TOKEN']);

export function parseAwsKeysFile(text: string): AwsStaticKeys {
  let accessKeyId: string | undefined;
  let secretAccessKey: string | undefined;
  let sessionToken: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('[')) continue;
    const m = /^(?:export\s+|set\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toUpperCase();
    let value = m[2]!.trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1);
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    if (ACCESS.has(key)) accessKeyId = value;
    else if (SECRET.has(key)) secretAccessKey = value;
    else if (TOKEN.has(key)) sessionToken = value;
  }
  return {
    ...(accessKeyId ? { accessKeyId } : {}),
    ...(secretAccessKey ? { secretAccessKey } : {}),
    ...(sessionToken ? { sessionToken } : {}),
  };
}

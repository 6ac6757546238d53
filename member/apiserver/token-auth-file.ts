import type { StaticToken } from '../../machinery/auth/static-token-authenticator.js';

/** A `--token-auth-file` line that is not `token,user,uid[,"group1,group2"]`. */
export class TokenAuthFileError extends Error {
  override readonly name = 'TokenAuthFileError';
  /** 1-based line number of the bad line. */
  readonly line: number;

  constructor(line: number, message: string) {
    super(`line ${String(line)}: ${message}`);
    this.line = line;
  }
}

/** Splits one CSV line; a field in double quotes may hold commas (`""` is a quote). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * Parses kube-apiserver's static token file: one `token,user,uid[,"group1,group2"]` per line;
 * empty lines and `#` comments are skipped.
 * @throws TokenAuthFileError on a line with fewer than three fields or an empty token or user.
 */
export function parseTokenAuthFile(text: string): StaticToken[] {
  const out: StaticToken[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [token = '', name = '', uid = '', groups = ''] = csvFields(line).map((f) => f.trim());
    if (csvFields(line).length < 3) {
      throw new TokenAuthFileError(i + 1, 'expected token,user,uid[,"group1,group2"]');
    }
    if (token === '' || name === '') {
      throw new TokenAuthFileError(i + 1, 'token and user must not be empty');
    }
    if (seen.has(token)) throw new TokenAuthFileError(i + 1, 'duplicate token');
    seen.add(token);
    const groupList = groups
      .split(',')
      .map((g) => g.trim())
      .filter((g) => g !== '');
    out.push({ token, user: { name, ...(uid !== '' ? { uid } : {}), groups: groupList } });
  });
  return out;
}

import type { StaticToken } from '../../machinery/auth/static-token-authenticator.js';

/** Thrown when a `--token-auth-file` line is not `token,user,uid[,"group1,group2"]`. */
export class TokenFileError extends Error {
  /** 1-based line number. */
  readonly line: number;

  constructor(line: number, message: string) {
    super(`token file line ${String(line)}: ${message}`);
    this.name = 'TokenFileError';
    this.line = line;
  }
}

/** Splits one CSV line (double-quoted fields may hold commas; `""` is a quote). */
function csvFields(line: string): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quoted) return undefined;
  out.push(cur);
  return out.map((f) => f.trim());
}

/**
 * Parses kube-apiserver's static token file: one `token,user,uid[,"group1,group2"]` per line;
 * blank lines and lines starting with `#` are skipped.
 * @throws TokenFileError for a malformed line or a token given twice.
 */
export function parseTokenFile(text: string): StaticToken[] {
  const out: StaticToken[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const f = csvFields(line);
    if (!f || f.length < 3) {
      throw new TokenFileError(i + 1, 'expected token,user,uid[,"groups"]');
    }
    const [token = '', name = '', uid = '', groups = ''] = f;
    if (token === '' || name === '') throw new TokenFileError(i + 1, 'token and user are required');
    if (seen.has(token)) throw new TokenFileError(i + 1, 'duplicate token');
    seen.add(token);
    out.push({
      token,
      user: {
        name,
        ...(uid !== '' ? { uid } : {}),
        groups: groups
          .split(',')
          .map((g) => g.trim())
          .filter((g) => g !== ''),
      },
    });
  });
  return out;
}

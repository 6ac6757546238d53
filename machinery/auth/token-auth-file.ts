/**
 * kube-apiserver's `--token-auth-file`: one `token,user,uid[,"group1,group2"]` CSV line per
 * static bearer token, read by the federation and the member API servers alike.
 */
import { readFileSync } from 'node:fs';
import type { StaticToken } from './static-token-authenticator.js';

/** A `--token-auth-file` line that is not `token,user,uid[,"group1,group2"]`. */
export class TokenAuthFileError extends Error {
  override readonly name = 'TokenAuthFileError';
  /** 1-based line number of the bad line. */
  readonly line: number;

  /** @param file - the file's path, named in the message when given */
  constructor(line: number, message: string, file?: string) {
    super(`${file !== undefined ? `${file}: ` : ''}line ${String(line)}: ${message}`);
    this.line = line;
  }
}

/** Trimmed fields of one CSV line (a double-quoted field may hold commas; `""` is a quote). */
function csvFields(line: string): string[] | undefined {
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
  if (quoted) return undefined;
  out.push(cur);
  return out.map((f) => f.trim());
}

/**
 * Parses kube-apiserver's static token file: one `token,user,uid[,"group1,group2"]` per line;
 * empty lines and `#` comments are skipped.
 * @param file - the file's path, named in an error's message when given
 * @throws TokenAuthFileError on an unterminated quote, a line with fewer than three fields, an
 * empty token or user, or a token given twice
 */
export function parseTokenAuthFile(text: string, file?: string): StaticToken[] {
  const out: StaticToken[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = csvFields(line);
    if (fields === undefined) throw new TokenAuthFileError(i + 1, 'unterminated quote', file);
    if (fields.length < 3) {
      throw new TokenAuthFileError(i + 1, 'expected token,user,uid[,"group1,group2"]', file);
    }
    const [token = '', name = '', uid = '', groups = ''] = fields;
    if (token === '' || name === '') {
      throw new TokenAuthFileError(i + 1, 'token and user must not be empty', file);
    }
    if (seen.has(token)) throw new TokenAuthFileError(i + 1, 'duplicate token', file);
    seen.add(token);
    const groupList = groups
      .split(',')
      .map((g) => g.trim())
      .filter((g) => g !== '');
    out.push({ token, user: { name, ...(uid !== '' ? { uid } : {}), groups: groupList } });
  });
  return out;
}

/** Reads and parses the token file at `path`. @throws TokenAuthFileError naming the file */
export function readTokenAuthFile(path: string): StaticToken[] {
  return parseTokenAuthFile(readFileSync(path, 'utf8'), path);
}

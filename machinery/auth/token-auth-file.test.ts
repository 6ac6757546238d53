import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTokenAuthFile, readTokenAuthFile, TokenAuthFileError } from './token-auth-file.js';

describe('parseTokenAuthFile', () => {
  it('reads token,user,uid,"groups" lines, skipping comments and blanks', () => {
    const tokens = parseTokenAuthFile(
      '# tokens\nt1,alice,u1,"dev,ops"\n\nt2,bob,,\r\nt3, carol ,u3,system:masters\n',
    );
    expect(tokens).toEqual([
      { token: 't1', user: { name: 'alice', uid: 'u1', groups: ['dev', 'ops'] } },
      { token: 't2', user: { name: 'bob', groups: [] } },
      { token: 't3', user: { name: 'carol', uid: 'u3', groups: ['system:masters'] } },
    ]);
  });

  it('reads quoted fields', () => {
    expect(parseTokenAuthFile('t3,"bob",u3,"system:masters"\n')).toEqual([
      { token: 't3', user: { name: 'bob', uid: 'u3', groups: ['system:masters'] } },
    ]);
    expect(parseTokenAuthFile('t1,"a ""b""",u')[0]?.user.name).toBe('a "b"');
  });

  it('refuses short lines, empty users, unterminated quotes and duplicate tokens', () => {
    expect(() => parseTokenAuthFile('t1,alice\n')).toThrow(TokenAuthFileError);
    expect(() => parseTokenAuthFile('t1,,u\n')).toThrow(/line 1/);
    expect(() => parseTokenAuthFile('t1,a,u\nt1,b,u\n')).toThrow(/line 2: duplicate token/);
    expect(() => parseTokenAuthFile('t1,a,u,"unterminated\n')).toThrow(TokenAuthFileError);
    expect(() => parseTokenAuthFile('t1,a,u,"unterminated\n')).toThrow(/unterminated quote/);
    let err: unknown;
    try {
      parseTokenAuthFile('\n\nt1,a\n');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TokenAuthFileError);
    expect((err as TokenAuthFileError).line).toBe(3);
  });

  it('names the file it read', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tokens-')), 'tokens.csv');
    writeFileSync(path, 't1,alice,u1\nt1,bob,u2\n');
    expect(() => readTokenAuthFile(path)).toThrow(`${path}: line 2: duplicate token`);
    writeFileSync(path, 't1,alice,u1\n');
    expect(readTokenAuthFile(path)).toEqual([
      { token: 't1', user: { name: 'alice', uid: 'u1', groups: [] } },
    ]);
  });
});

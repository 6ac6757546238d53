import { describe, expect, it } from 'vitest';
import { parseTokenAuthFile, TokenAuthFileError } from './token-auth-file.js';

describe('parseTokenAuthFile', () => {
  it('reads token,user,uid,"groups" lines, skipping comments and blanks', () => {
    const tokens = parseTokenAuthFile('# tokens\nt1,alice,u1,"dev,ops"\n\nt2,bob,,\nt3,carol,u3\n');
    expect(tokens).toEqual([
      { token: 't1', user: { name: 'alice', uid: 'u1', groups: ['dev', 'ops'] } },
      { token: 't2', user: { name: 'bob', groups: [] } },
      { token: 't3', user: { name: 'carol', uid: 'u3', groups: [] } },
    ]);
  });

  it('refuses short lines, empty users and duplicate tokens with the line number', () => {
    expect(() => parseTokenAuthFile('t1,alice\n')).toThrow(TokenAuthFileError);
    expect(() => parseTokenAuthFile('t1,,u\n')).toThrow(/line 1/);
    expect(() => parseTokenAuthFile('t1,a,u\nt1,b,u\n')).toThrow(/line 2: duplicate/);
  });
});

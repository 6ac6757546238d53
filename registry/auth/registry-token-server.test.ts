// The registry token endpoint: what it grants to a user, to wrong credentials and to a client that
// sends none (a token granting nothing, so docker gets the registry's non-retried UNAUTHORIZED).
import { afterEach, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../machinery/auth/authenticator.js';
import { RegistryTokenServer } from './registry-token-server.js';

const authenticator: Authenticator = {
  authenticate: (req) =>
    Promise.resolve(
      req.headers.authorization === 'Bearer alice-secret'
        ? { name: 'alice', groups: ['system:authenticated'] }
        : undefined,
    ),
};

let server: RegistryTokenServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function token(auth?: string): Promise<{ status: number; claims?: Record<string, unknown> }> {
  server ??= new RegistryTokenServer({
    authenticator,
    rules: [{ service: 'prod', pull: 'authenticated', push: ['system:promotion'] }],
  });
  const realm = server.realm || (await server.start());
  const scope = encodeURIComponent('repository:app/web:pull,push');
  const res = await fetch(`${realm}?service=prod&scope=${scope}`, {
    headers: auth === undefined ? {} : { authorization: auth },
  });
  if (res.status !== 200) return { status: res.status };
  const body = (await res.json()) as { token: string };
  const payload = body.token.split('.')[1] ?? '';
  return {
    status: 200,
    claims: JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>,
  };
}

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('RegistryTokenServer', () => {
  it('grants a user only the actions its rule allows', async () => {
    const t = await token(basic('alice', 'alice-secret'));
    expect(t.claims?.sub).toBe('alice');
    expect(t.claims?.access).toEqual([{ type: 'repository', name: 'app/web', actions: ['pull'] }]);
  });

  it('refuses wrong credentials with 401, also a password presented for another user', async () => {
    expect((await token(basic('alice', 'wrong'))).status).toBe(401);
    expect((await token(basic('bob', 'alice-secret'))).status).toBe(401);
  });

  it('gives a client without credentials a token that grants nothing', async () => {
    const t = await token();
    expect(t.status).toBe(200);
    expect(t.claims?.sub).toBe('system:anonymous');
    expect(t.claims?.access).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { credentialsFromSecret } from './registry-clients.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const secret = (data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's' },
  data,
});

describe('credentialsFromSecret', () => {
  it('reads username and password', () => {
    expect(
      credentialsFromSecret(secret({ username: b64('u'), password: b64('p') }), 'h:1'),
    ).toEqual({
      username: 'u',
      password: 'p',
    });
  });

  it('reads a static token', () => {
    expect(credentialsFromSecret(secret({ token: b64('tok\n') }), 'h:1')).toEqual({ token: 'tok' });
  });

  it('reads the .dockerconfigjson entry of the registry host', () => {
    const cfg = { auths: { 'h:1': { auth: b64('u:p:q') }, other: { username: 'x' } } };
    expect(
      credentialsFromSecret(secret({ '.dockerconfigjson': b64(JSON.stringify(cfg)) }), 'h:1'),
    ).toEqual({ username: 'u', password: 'p:q' });
    expect(
      credentialsFromSecret(secret({ '.dockerconfigjson': b64(JSON.stringify(cfg)) }), 'h:2'),
    ).toBeUndefined();
  });

  it('is undefined without known keys', () => {
    expect(credentialsFromSecret(secret({ other: b64('x') }), 'h:1')).toBeUndefined();
  });
});

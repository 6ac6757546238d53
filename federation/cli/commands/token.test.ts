import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeconfigFor } from '../../../machinery/client/kubeconfig.js';
import { SECRETS } from './core-resources.js';
import { FakeApi, runFake } from './testing/fake-cli.js';
import {
  generateToken,
  parseTtl,
  tokenCommand,
  tokenInfo,
  tokenRows,
  tokenSecret,
  TOKEN_SECRET_TYPE,
} from './token.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('token helpers', () => {
  it('parses Go durations and refuses others', () => {
    expect(parseTtl('24h')).toBe(86400);
    expect(parseTtl('1h30m')).toBe(5400);
    expect(parseTtl('45s')).toBe(45);
    expect(parseTtl('0')).toBe(0);
    for (const bad of ['', '1d', '24', 'h', '1h ', '-1h']) {
      expect(() => parseTtl(bad)).toThrow(/invalid --ttl/);
    }
  });

  it('generates tokens the bootstrap authenticator accepts, stored as kubeadm does', () => {
    const t = generateToken();
    expect(t).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const s = tokenSecret(t, 3600, 'd', Date.parse('2026-01-01T00:00:00Z'));
    expect(s).toMatchObject({
      metadata: { name: `bootstrap-token-${t.slice(0, 6)}`, namespace: 'kube-system' },
      type: TOKEN_SECRET_TYPE,
      stringData: {
        'token-id': t.slice(0, 6),
        'token-secret': t.slice(7),
        'usage-bootstrap-authentication': 'true',
        expiration: '2026-01-01T01:00:00Z',
      },
    });
    expect(tokenSecret(t, 0, 'd').stringData).not.toHaveProperty('expiration');
    const info = tokenInfo(s);
    expect(info).toEqual({
      id: t.slice(0, 6),
      expires: '2026-01-01T01:00:00Z',
      usages: ['authentication'],
      description: 'd',
    });
    expect(tokenInfo({ ...s, type: 'Opaque' })).toBeUndefined();
    const rows = tokenRows([info ?? { id: '', usages: [] }], Date.parse('2026-01-01T00:00:00Z'));
    expect(rows.rows[0]).toEqual([
      t.slice(0, 6),
      '60m',
      '2026-01-01T01:00:00Z',
      'authentication',
      'd',
    ]);
  });
});

describe('flotilla token', () => {
  it('creates, lists and deletes tokens', async () => {
    const api = new FakeApi();
    api.seed(SECRETS, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'other', namespace: 'kube-system' },
      type: 'Opaque',
    });
    const created = await runFake(
      tokenCommand,
      ['create', '--ttl', '2h', '--description', 'for p1'],
      api,
    );
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const id = token.slice(0, 6);
    const list = await runFake(tokenCommand, ['list'], api);
    expect(list.stdout).toMatch(
      new RegExp(
        `^TOKEN-ID\\s+TTL\\s+EXPIRES\\s+USAGES\\s+DESCRIPTION\\n${id}\\s+(119|120)m\\s+\\S+Z\\s+authentication\\s+for p1\\n$`,
      ),
    );
    expect(list.stdout).not.toContain(token.slice(7));
    const json = JSON.parse((await runFake(tokenCommand, ['list', '-o', 'json'], api)).stdout) as {
      items: { id: string }[];
    };
    expect(json.items.map((i) => i.id)).toEqual([id]);
    expect((await runFake(tokenCommand, ['list', '-o', 'name'], api)).stdout).toBe(`token/${id}\n`);
    expect((await runFake(tokenCommand, ['delete', token], api)).stdout).toBe(
      `bootstrap token "${id}" deleted\n`,
    );
    expect(api.find(SECRETS, 'kube-system', `bootstrap-token-${id}`)).toBeUndefined();
    expect((await runFake(tokenCommand, ['list'], api)).stderr).toBe(
      'No bootstrap tokens found.\n',
    );
  });

  it('prints the register command with the federation URL and a CA file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-token-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      kubeconfigFor({
        name: 'federation',
        server: 'https://127.0.0.1:6443',
        caCert: CA,
        token: 'admin',
      }),
    );
    const api = new FakeApi();
    const r = await runFake(
      tokenCommand,
      ['create', '--print-register-command', '--kubeconfig', kubeconfig],
      api,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^flotilla register CLUSTER_NAME --federation https://127\\.0\\.0\\.1:6443 --token [a-z0-9]{6}\\.[a-z0-9]{16} --ca-file ${join(dir, 'federation-ca.crt').replace(/\./g, '\\.')} --member-kubeconfig MEMBER_KUBECONFIG\\n$`,
      ),
    );
    expect(readFileSync(join(dir, 'federation-ca.crt'), 'utf8')).toBe(CA);
    const yaml = await runFake(tokenCommand, ['create', '-o', 'yaml'], api);
    expect(yaml.stdout).toMatch(/^token: [a-z0-9]{6}\.[a-z0-9]{16}\nid: /);
  });

  it('exits 2 on bad input and 1 for an unknown token', async () => {
    const api = new FakeApi();
    expect((await runFake(tokenCommand, [], api)).code).toBe(2);
    expect((await runFake(tokenCommand, ['rotate'], api)).code).toBe(2);
    expect((await runFake(tokenCommand, ['create', '--ttl', 'soon'], api)).code).toBe(2);
    expect((await runFake(tokenCommand, ['delete'], api)).code).toBe(2);
    expect((await runFake(tokenCommand, ['delete', 'NOT-AN-ID'], api)).code).toBe(2);
    const missing = await runFake(tokenCommand, ['delete', 'abcdef'], api);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not found/);
  });
});

// The flotilla CLI as a real process (`npx tsx federation/cmd/flotilla.ts`) against a real
// ApiServer on real etcd: exit codes, stdout/stderr separation, stdin manifests, no stack traces.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { federationResourceTypes } from '../../federation/apis/index.js';
import type { KubeObject } from '../../machinery/meta.js';
import { CONFIGMAPS, memberResourceTypes } from '../../api/index.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let fed: ApiHarness;
let member: ApiHarness;

function run(
  args: string[],
  opts: { stdin?: string; env?: Record<string, string> } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'federation/cmd/flotilla.ts', ...args], {
      cwd: root,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout, stderr: stderr.replace(/^npm warn .*\n/gm, '') }),
    );
    child.stdin.end(opts.stdin ?? '');
  });
}

beforeAll(async () => {
  fed = await startApiHarness({ resources: [...federationResourceTypes, ...memberResourceTypes] });
  member = await startApiHarness({ resources: memberResourceTypes, etcd: fed.etcd });
});

afterAll(async () => {
  await member.stop();
  await fed.stop();
});

describe('flotilla as a subprocess', () => {
  it('joins a member and lists it, reading the kubeconfig from $FLOTILLA_KUBECONFIG', async () => {
    const env = { FLOTILLA_KUBECONFIG: fed.kubeconfigPath };
    const j = await run(
      ['join', 'm1', '--kubeconfig-of-member', member.kubeconfigPath, '--region', 'eu'],
      { env },
    );
    expect(j.stderr).toBe('');
    expect(j.code).toBe(0);
    const g = await run(['get', 'clusters'], { env });
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(
      /^NAME\s+READY\s+REGION\s+ZONE\s+ENDPOINT\s+VERSION\s+AGE\nm1\s+Unknown\s+eu\s+/,
    );
  }, 60_000);

  it('applies from stdin and exits 1 with a one-line error for a duplicate join', async () => {
    const a = await run(['--kubeconfig', fed.kubeconfigPath, 'apply', '-f', '-'], {
      stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: piped}\ndata: {a: b}\n',
    });
    expect(a).toMatchObject({ code: 0, stdout: 'configmap/piped created\n' });
    expect(
      (
        (await fed.client.resource(CONFIGMAPS, 'default').get('piped')) as KubeObject & {
          data: unknown;
        }
      ).data,
    ).toEqual({ a: 'b' });
    const d = await run([
      '--kubeconfig',
      fed.kubeconfigPath,
      'join',
      'm1',
      '--kubeconfig-of-member',
      member.kubeconfigPath,
    ]);
    expect(d).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: cluster "m1" is already joined; run "flotilla unjoin m1" first\n',
    });
  }, 60_000);

  it('exits 2 on a usage error and 1 on an unreachable server, without stack traces', async () => {
    const u = await run(['get', 'clusters', '--frobnicate']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/^error: .*frobnicate/);
    const s = await run(['--server', 'http://127.0.0.1:1', 'version']);
    expect(s.code).toBe(1);
    expect(s.stdout).toBe('Client Version: flotilla v0.1.0\n');
    expect(s.stderr).toMatch(/^error: .+\n$/);
  }, 60_000);
});

// Server-side apply with the real kubectl (v1.32) against an in-process member API server on real
// etcd: two field managers apply one Deployment; the second changing replicas gets kubectl's
// conflict error (exit ≠ 0, naming manager and field), takes the field with --force-conflicts;
// a label dropped from the first manager's configuration leaves the object; managedFields are
// served (`--show-managed-fields`) with both Apply entries; `kubectl scale` records an Update
// entry on the scale subresource; an apply without fieldManager is a 422, as in Kubernetes.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, ManagedFieldsEntry } from '../../machinery/meta.js';
import { ApiError } from '../../machinery/errors/index.js';
import { startMemberApi, type MemberApiFixture } from '../support/member-api-fixture.js';

const run = promisify(execFile);
const DEPLOYMENTS = { group: 'apps', version: 'v1', resource: 'deployments' };
let f: MemberApiFixture;

interface Result {
  code: number;
  out: string;
}

async function kubectl(...args: string[]): Promise<Result> {
  try {
    const { stdout } = await run(
      'kubectl',
      ['--kubeconfig', f.adminKubeconfig, '--cache-dir', join(f.dir, 'cache'), ...args],
      { timeout: 20_000 },
    );
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Writes a manifest; `replicas` and `labels` omitted when undefined. */
function manifest(file: string, replicas?: number, labels?: Record<string, string>): string {
  const p = join(f.dir, file);
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
    },
  };
  if (replicas !== undefined) spec.replicas = replicas;
  const metadata: Record<string, unknown> = { name: 'web', namespace: 'default' };
  if (labels) metadata.labels = labels;
  writeFileSync(p, JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec }));
  return p;
}

async function live(): Promise<KubeObject> {
  const r = await kubectl('get', 'deployment', 'web', '--show-managed-fields', '-o', 'json');
  expect(r.code, r.out).toBe(0);
  return JSON.parse(r.out) as KubeObject;
}

function entry(
  obj: KubeObject,
  manager: string,
  operation = 'Apply',
): ManagedFieldsEntry | undefined {
  return obj.metadata.managedFields?.find(
    (e) => e.manager === manager && e.operation === operation,
  );
}

beforeAll(async () => {
  f = await startMemberApi('ssa', 'flotilla-ssa-');
}, 60_000);

afterAll(async () => {
  await f.stop();
});

describe('server-side apply with kubectl', () => {
  it('tracks managers, reports conflicts, forces, removes dropped fields and records scale', async () => {
    const a = await kubectl(
      'apply',
      '--server-side',
      '--field-manager',
      'a',
      '-f',
      manifest('a.json', 2, { app: 'web', tier: 'front' }),
    );
    expect(a.code, a.out).toBe(0);
    expect(a.out).toContain('deployment.apps/web serverside-applied');

    // b changes replicas a owns: kubectl's conflict error, nothing changed
    const bOnly = manifest('b.json', 5);
    const conflict = await kubectl('apply', '--server-side', '--field-manager', 'b', '-f', bOnly);
    expect(conflict.code).not.toBe(0);
    expect(conflict.out).toContain(
      'Apply failed with 1 conflict: conflict with "a": .spec.replicas',
    );
    expect(conflict.out).toContain('--force-conflicts');
    expect((await live()).spec).toMatchObject({ replicas: 2 });

    const forced = await kubectl(
      'apply',
      '--server-side',
      '--field-manager',
      'b',
      '--force-conflicts',
      '-f',
      bOnly,
    );
    expect(forced.code, forced.out).toBe(0);
    let obj = await live();
    expect(obj.spec).toMatchObject({ replicas: 5 });
    expect(JSON.stringify(entry(obj, 'b')?.fieldsV1)).toContain('"f:replicas"');
    expect(JSON.stringify(entry(obj, 'a')?.fieldsV1)).not.toContain('"f:replicas"');

    // a drops replicas (now b's) and the tier label (a's alone): the label goes, replicas stay
    const dropped = await kubectl(
      'apply',
      '--server-side',
      '--field-manager',
      'a',
      '-f',
      manifest('a2.json', undefined, { app: 'web' }),
    );
    expect(dropped.code, dropped.out).toBe(0);
    obj = await live();
    expect(obj.metadata.labels).toEqual({ app: 'web' });
    expect(obj.spec).toMatchObject({ replicas: 5 });
    expect(entry(obj, 'a')).toMatchObject({ apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
    expect(entry(obj, 'b')).toBeDefined();

    // plain kubectl (User-Agent kubectl/...) through the scale subresource: an Update entry
    const scaled = await kubectl('scale', 'deployment', 'web', '--replicas', '3');
    expect(scaled.code, scaled.out).toBe(0);
    obj = await live();
    expect(entry(obj, 'kubectl', 'Update')).toMatchObject({
      subresource: 'scale',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    });
    // scale took replicas from b, which keeps the rest of its configuration
    expect(JSON.stringify(entry(obj, 'b')?.fieldsV1)).not.toContain('"f:replicas"');
    expect(obj.spec).toMatchObject({ replicas: 3 });

    // managedFields are served but kubectl hides them without --show-managed-fields
    const plain = await kubectl('get', 'deployment', 'web', '-o', 'yaml');
    expect(plain.out).not.toContain('managedFields');
  }, 60_000);

  it('refuses an apply without fieldManager and force on other patches (422)', async () => {
    const deployments = f.admin.resource<KubeObject>(DEPLOYMENTS, 'default');
    const noManager = await f.admin
      .request(
        'PATCH',
        '/apis/apps/v1/namespaces/default/deployments/web',
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } },
        'application/apply-patch+yaml',
      )
      .catch((err: unknown) => err);
    expect(noManager).toBeInstanceOf(ApiError);
    expect((noManager as ApiError).code).toBe(422);
    expect((noManager as ApiError).message).toContain(
      'fieldManager: Required value: is required for apply patch',
    );
    const forceOnMerge = await deployments
      .patch('web', { metadata: { labels: { x: 'y' } } }, 'merge')
      .then(() => 'no error');
    expect(forceOnMerge).toBe('no error');
    const forced = await f.admin
      .request(
        'PATCH',
        '/apis/apps/v1/namespaces/default/deployments/web?force=true',
        { metadata: { labels: { x: 'z' } } },
        'application/merge-patch+json',
      )
      .catch((err: unknown) => err);
    expect((forced as ApiError).code).toBe(422);
    expect((forced as ApiError).message).toContain(
      'force: Forbidden: may not be specified for non-apply patch',
    );
  }, 30_000);
});

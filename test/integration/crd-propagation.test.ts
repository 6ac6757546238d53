// Federating a CustomResourceDefinition with the real kubectl: a FederationControlPlane on real
// etcd with two hollow MemberClusters. A CRD, a PropagationPolicy selecting only its custom
// resources and one custom resource are applied at the federation; the CRD reaches both members
// (Karmada's dependency behaviour) and is Established there before the custom resource, which
// arrives with the federation's spec; kubectl in a member shows the printer columns; a custom
// resource violating the schema is refused at the federation with 422 and the field path;
// deleting the custom resource at the federation removes it from the members, then the CRD no
// object needs; deleting the CRD at the federation takes its objects out of the members, then it.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as path } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOM_RESOURCE_DEFINITIONS } from '../../api/index.js';
import type { CustomResourceDefinition } from '../../api/index.js';
import { CLUSTERS, RESOURCE_BINDINGS, type Cluster } from '../../federation/apis/index.js';
import type { ResourceBinding } from '../../federation/apis/index.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { InvalidError, NotFoundError } from '../../machinery/errors/index.js';
import type { GroupVersionResource, KubeObject } from '../../machinery/meta.js';
import type { MemberCluster } from '../../member/cluster/member-cluster.js';
import { startHollowFederation, type HollowFederation } from '../support/hollow-federation.js';

const run = promisify(execFile);
const WIDGETS: GroupVersionResource = { group: 'example.com', version: 'v1', resource: 'widgets' };
const CRD_NAME = 'widgets.example.com';
let f: HollowFederation;
let api: RestClient;
let dir: string;
let members: Map<string, MemberCluster>;

function member(name: string): RestClient {
  const m = members.get(name);
  if (!m) throw new Error(`member ${name} missing`);
  return m.client();
}

/** kubectl against the federation (`federation`) or a member (its name). */
async function kubectl(
  target: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const config = path(dir, `${target}.kubeconfig`);
  try {
    const { stdout, stderr } = await run(
      'kubectl',
      ['--kubeconfig', config, '--cache-dir', path(dir, `cache-${target}`), ...args],
      { timeout: 30_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

async function ok(target: string, ...args: string[]): Promise<string> {
  const r = await kubectl(target, ...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function file(name: string, text: string): string {
  const p = path(dir, name);
  writeFileSync(p, text);
  return p;
}

async function missing(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (err) {
    if (err instanceof NotFoundError) return true;
    throw err;
  }
}

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${CRD_NAME}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Image, type: string, jsonPath: .spec.image}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [image]
            properties:
              image: {type: string}
              replicas: {type: integer, minimum: 0, default: 1}
          status:
            type: object
            properties:
              replicas: {type: integer}
`;

beforeAll(async () => {
  await run('kubectl', ['version', '--client']).catch(() => {
    throw new Error('kubectl is not installed on this machine');
  });
  dir = mkdtempSync(path(tmpdir(), 'flotilla-crdprop-'));
  f = await startHollowFederation(['c1', 'c2'], {
    federation: {
      etcdPrefix: `/test-${randomUUID().slice(0, 8)}/federation`,
      kubeconfigPath: path(dir, 'federation.kubeconfig'),
      sweepPeriodMs: 1000,
      dashboard: false,
    },
    member: (name) => ({ kubeconfigPath: path(dir, `${name}.kubeconfig`) }),
    join: true,
  });
  ({ api, members } = f);
  // both Ready before the tests place anything
  for (let i = 0; ; i++) {
    const ready = (await api.resource<Cluster>(CLUSTERS).list()).items.filter((c) =>
      c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'),
    );
    if (ready.length === 2) break;
    if (i > 120) throw new Error('the members did not become Ready');
    await new Promise((r) => setTimeout(r, 250));
  }
}, 120_000);

afterAll(async () => {
  await f?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('federating a CustomResourceDefinition', () => {
  const ns = `t-${randomUUID().slice(0, 8)}`;

  it('places the CRD (Established) in every member of its objects, then the objects', async () => {
    await ok('federation', 'apply', '-f', file('crd.yaml', CRD));
    await ok(
      'federation',
      'wait',
      '--for=condition=Established',
      `crd/${CRD_NAME}`,
      '--timeout=30s',
    );
    await ok('federation', 'create', 'namespace', ns);
    // the policy selects the custom resources only: the CRD follows them (dependency)
    const objects = `apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata: {name: widgets, namespace: ${ns}}
spec:
  resourceSelectors: [{apiVersion: example.com/v1, kind: Widget}]
  placement: {clusterAffinity: {clusterNames: [c1, c2]}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: ${ns}}
spec: {image: nginx, replicas: 3}
`;
    await ok('federation', 'apply', '-f', file('objects.yaml', objects));
    const template = await api.resource(WIDGETS, ns).get('w1');
    for (const c of ['c1', 'c2']) {
      await expect
        .poll(
          () =>
            member(c)
              .resource(WIDGETS, ns)
              .get('w1')
              .catch(() => undefined),
          {
            timeout: 30_000,
            interval: 250,
          },
        )
        .toBeDefined();
      const copy = await member(c).resource(WIDGETS, ns).get('w1');
      expect(copy.spec).toEqual(template.spec);
      expect(copy.metadata.labels?.['federation.flotilla.io/managed-by']).toBe(
        'flotilla-federation',
      );
      const crd = await member(c)
        .resource<CustomResourceDefinition>(CUSTOM_RESOURCE_DEFINITIONS)
        .get(CRD_NAME);
      const established = crd.status?.conditions?.find((x) => x.type === 'Established');
      expect(established?.status).toBe('True');
      // the CRD was Established in the member before the object was written there
      expect(Date.parse(established?.lastTransitionTime ?? '')).toBeLessThanOrEqual(
        Date.parse(copy.metadata.creationTimestamp ?? ''),
      );
      expect(Date.parse(crd.metadata.creationTimestamp ?? '')).toBeLessThanOrEqual(
        Date.parse(copy.metadata.creationTimestamp ?? ''),
      );
    }
    // the CRD's binding names the clusters its objects went to
    const binding = await api
      .resource<ResourceBinding>(RESOURCE_BINDINGS, 'default')
      .get(`${CRD_NAME}-customresourcedefinition`);
    expect(binding.spec.clusters.map((c) => c.name).sort()).toEqual(['c1', 'c2']);
  });

  it('shows the printer columns in a member', async () => {
    const table = await ok('c1', 'get', 'widgets', '-n', ns);
    expect(table).toMatch(/NAME\s+IMAGE\s+REPLICAS\s+AGE/);
    expect(table).toMatch(/w1\s+nginx\s+3\s+/);
  });

  it('updates the members when the federation object changes', async () => {
    await ok(
      'federation',
      'patch',
      'widget',
      'w1',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"spec":{"replicas":5}}',
    );
    for (const c of ['c1', 'c2']) {
      await expect
        .poll(
          async () =>
            ((await member(c).resource(WIDGETS, ns).get('w1')).spec as { replicas?: number })
              .replicas,
          { timeout: 30_000, interval: 250 },
        )
        .toBe(5);
    }
  });

  it('refuses an object violating the schema at the federation with 422 and the field path', async () => {
    const bad = `apiVersion: example.com/v1
kind: Widget
metadata: {name: bad, namespace: ${ns}}
spec: {image: nginx, replicas: "three"}
`;
    const r = await kubectl('federation', 'apply', '-f', file('bad.yaml', bad));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The Widget "bad" is invalid: ');
    expect(r.stderr).toContain('spec.replicas: Invalid value: "string"');
    const err = await api
      .resource<KubeObject>(WIDGETS, ns)
      .create({
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'bad' },
        spec: { replicas: -1 },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).code).toBe(422);
    expect((err as Error).message).toContain('spec.image');
    expect((err as Error).message).toContain('spec.replicas');
  });

  it('removes the object from the members when it is deleted, then the CRD', async () => {
    await ok('federation', 'delete', 'widget', 'w1', '-n', ns, '--timeout=60s');
    for (const c of ['c1', 'c2']) {
      await expect
        .poll(() => missing(member(c).resource(WIDGETS, ns).get('w1')), {
          timeout: 30_000,
          interval: 250,
        })
        .toBe(true);
      // no custom resource needs it there any more (it was placed only for them)
      await expect
        .poll(() => missing(member(c).resource(CUSTOM_RESOURCE_DEFINITIONS).get(CRD_NAME)), {
          timeout: 30_000,
          interval: 250,
        })
        .toBe(true);
    }
  });

  it('deleting the CRD removes its objects from the members first, then the CRD', async () => {
    const w2 = `apiVersion: example.com/v1
kind: Widget
metadata: {name: w2, namespace: ${ns}}
spec: {image: redis}
`;
    await ok('federation', 'apply', '-f', file('w2.yaml', w2));
    for (const c of ['c1', 'c2']) {
      await expect
        .poll(
          () =>
            member(c)
              .resource(WIDGETS, ns)
              .get('w2')
              .catch(() => undefined),
          {
            timeout: 30_000,
            interval: 250,
          },
        )
        .toBeDefined();
    }
    await ok('federation', 'delete', 'crd', CRD_NAME, '--timeout=60s');
    for (const c of ['c1', 'c2']) {
      expect(await missing(member(c).resource(CUSTOM_RESOURCE_DEFINITIONS).get(CRD_NAME))).toBe(
        true,
      );
    }
    expect(await missing(api.resource(CUSTOM_RESOURCE_DEFINITIONS).get(CRD_NAME))).toBe(true);
  });
});

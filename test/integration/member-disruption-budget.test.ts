// PodDisruptionBudgets and Ingresses on a real member (etcd, hollow nodes): the disruption
// controller's status, the eviction API spending and refusing the budget, kubectl drain held to
// it, and kubectl get/apply of policy/v1 and networking.k8s.io/v1 objects.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { ApiError } from '../../machinery/errors/index.js';
import {
  DEPLOYMENTS,
  INGRESSES,
  NAMESPACES,
  PODDISRUPTIONBUDGETS,
  PODS,
  type Deployment,
  type Ingress,
  type Pod,
  type PodDisruptionBudget,
} from '../../api/index.js';
import { memberKubectl, startHollowMember, type HollowMember } from '../support/hollow-member.js';

const run = promisify(execFile);
const NS = 'pdb';
const poll = { timeout: 30_000, interval: 200 };
let hm: HollowMember;
let client: RestClient;
const { kubectl, apply } = memberKubectl(() => hm);

const isReady = (p: Pod): boolean =>
  !p.metadata.deletionTimestamp &&
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const webPods = async (): Promise<Pod[]> =>
  (await client.resource<Pod>(PODS, NS).list({ labelSelector: 'app=web' })).items;
const pdbStatus = async (): Promise<PodDisruptionBudget['status']> =>
  (await client.resource<PodDisruptionBudget>(PODDISRUPTIONBUDGETS, NS).get('web')).status;

/** POST pods/<name>/eviction; resolves to the refusal, or undefined when the pod was evicted. */
async function evict(name: string): Promise<ApiError | undefined> {
  try {
    await client.resource<Pod>(PODS, NS).subresource(name, 'eviction', 'POST', {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name, namespace: NS },
    });
    return undefined;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
}

/** Waits until the budget again allows one disruption with three Ready pods. */
async function settled(): Promise<void> {
  await expect.poll(async () => (await webPods()).filter(isReady).length, poll).toBe(3);
  await expect.poll(async () => (await pdbStatus())?.disruptionsAllowed, poll).toBe(1);
}

beforeAll(async () => {
  hm = await startHollowMember('flotilla-pdb-', {
    name: 'it-pdb',
    nodes: 2,
    clusterIndex: 113,
    kubelet: { heartbeatMs: 300, syncPeriodMs: 300 },
  });
  client = hm.member.client();
  await client.resource(NAMESPACES).create({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NS },
  });
}, 120_000);
afterAll(async () => {
  await hm?.stop();
});

describe('PodDisruptionBudget on a member', () => {
  it('computes status for a Deployment of 3 and a budget of minAvailable 2', async () => {
    const d: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', image: 'nginx' }] },
        },
      },
    };
    await client.resource<Deployment>(DEPLOYMENTS, NS).create(d);
    await client.resource<PodDisruptionBudget>(PODDISRUPTIONBUDGETS, NS).create({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: NS },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
    });
    await settled();
    const st = await pdbStatus();
    expect(st).toMatchObject({
      expectedPods: 3,
      currentHealthy: 3,
      desiredHealthy: 2,
      disruptionsAllowed: 1,
      observedGeneration: 1,
    });
    expect(st?.conditions?.[0]).toMatchObject({
      type: 'DisruptionAllowed',
      status: 'True',
      reason: 'SufficientPods',
    });
  });

  it('kubectl get pdb shows the budget columns', async () => {
    const out = await kubectl('get', 'pdb', '-n', NS);
    const [head, row] = out.trim().split('\n');
    expect(head?.split(/\s{2,}/)).toEqual([
      'NAME',
      'MIN AVAILABLE',
      'MAX UNAVAILABLE',
      'ALLOWED DISRUPTIONS',
      'AGE',
    ]);
    expect(row?.split(/\s+/).slice(0, 4)).toEqual(['web', '2', 'N/A', '1']);
    const resources = await kubectl('api-resources', '--api-group=policy', '--no-headers');
    expect(resources).toMatch(
      /^poddisruptionbudgets\s+pdb\s+policy\/v1\s+true\s+PodDisruptionBudget/m,
    );
    const net = await kubectl('api-resources', '--api-group=networking.k8s.io', '--no-headers');
    expect(net).toMatch(/^ingressclasses\s+networking.k8s.io\/v1\s+false\s+IngressClass/m);
    expect(net).toMatch(/^ingresses\s+ing\s+networking.k8s.io\/v1\s+true\s+Ingress/m);
  });

  it('evicts one pod, then refuses the next eviction with 429', async () => {
    const [first, second] = (await webPods()).filter(isReady);
    expect(await evict(first?.metadata.name ?? '')).toBeUndefined();
    const refused = await evict(second?.metadata.name ?? '');
    expect(refused?.code).toBe(429);
    expect(refused?.message).toBe(
      "Cannot evict pod as it would violate the pod's disruption budget.",
    );
    expect(refused?.causes[0]?.reason).toBe('DisruptionBudget');
    // the refused pod is still there and not deleting
    const still = await client.resource<Pod>(PODS, NS).get(second?.metadata.name ?? '');
    expect(still.metadata.deletionTimestamp).toBeUndefined();
    await settled();
  });

  it('lets only one of two concurrent evictions spend the last disruption', async () => {
    const [a, b] = (await webPods()).filter(isReady);
    const results = await Promise.all([
      evict(a?.metadata.name ?? ''),
      evict(b?.metadata.name ?? ''),
    ]);
    expect(results.filter((r) => r === undefined)).toHaveLength(1);
    expect(results.find((r) => r !== undefined)?.code).toBe(429);
    await settled();
  });

  it('kubectl drain never evicts beyond the budget and waits for replacements', async () => {
    const byNode = new Map<string, number>();
    for (const p of (await webPods()).filter(isReady)) {
      const n = p.spec.nodeName ?? '';
      byNode.set(n, (byNode.get(n) ?? 0) + 1);
    }
    // two hollow nodes and three replicas: one node holds two or all three of them
    const [node, onNode] = [...byNode].find(([, n]) => n >= 2) ?? ['', 0];
    expect(onNode).toBeGreaterThanOrEqual(2);
    let minReady = 3;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        minReady = Math.min(minReady, (await webPods()).filter(isReady).length);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const res = await run(
      'kubectl',
      [
        '--kubeconfig',
        hm.member.kubeconfigPath ?? '',
        'drain',
        node,
        '--ignore-daemonsets',
        '--delete-emptydir-data',
        '--timeout',
        '20s',
      ],
      { timeout: 60_000 },
    ).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: e.code ?? -1,
        out: `${e.stdout ?? ''}${e.stderr ?? ''}`,
      }),
    );
    sampling = false;
    await sampler;
    // the second pod's eviction is refused (429) and retried until a replacement is Ready
    expect(res.out).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(res.out).toContain('will retry after 5s');
    expect(minReady).toBeGreaterThanOrEqual(2);
    expect(res.code, res.out).toBe(0);
    expect(res.out).toContain(`node/${node} drained`);
    // every pod the node held, one at a time as the budget allows
    expect(res.out.match(/evicted/g)?.length).toBe(onNode);
    await settled();
    const nodes = (await webPods()).filter(isReady).map((p) => p.spec.nodeName);
    expect(nodes).not.toContain(node);
  }, 90_000);

  it('answers 500 for a pod two budgets select', async () => {
    await client.resource<PodDisruptionBudget>(PODDISRUPTIONBUDGETS, NS).create({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web-too', namespace: NS },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } },
    });
    const [pod] = (await webPods()).filter(isReady);
    const err = await evict(pod?.metadata.name ?? '');
    expect(err?.code).toBe(500);
    expect(err?.message).toContain('This pod has more than one PodDisruptionBudget');
    await client.resource(PODDISRUPTIONBUDGETS, NS).delete('web-too');
  });
});

describe('Ingress on a member', () => {
  it('applies an Ingress and an IngressClass from YAML and lists them with their columns', async () => {
    await apply(
      'ingress',
      `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: example
spec:
  controller: example.com/ingress-controller
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: ${NS}
spec:
  ingressClassName: example
  rules:
  - host: web.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
`,
    );
    const out = await kubectl('get', 'ingress', '-n', NS);
    const [head, row] = out.trim().split('\n');
    expect(head?.split(/\s+/)).toEqual(['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
    expect(row?.split(/\s+/).slice(0, 4)).toEqual(['web', 'example', 'web.example.com', '80']);
    const cls = await kubectl('get', 'ingressclass', 'example');
    expect(cls).toContain('example.com/ingress-controller');
    const ing = await client.resource<Ingress>(INGRESSES, NS).get('web');
    ing.status = { loadBalancer: { ingress: [{ ip: '127.0.0.9' }] } };
    await client.resource<Ingress>(INGRESSES, NS).updateStatus(ing);
    expect(await kubectl('get', 'ingress', 'web', '-n', NS)).toContain('127.0.0.9');
  });

  it('refuses an unknown pathType with 422 and the field path', async () => {
    const err = await client
      .resource<Ingress>(INGRESSES, NS)
      .create({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'bad', namespace: NS },
        spec: {
          rules: [
            {
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Glob',
                    backend: { service: { name: 'web', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(422);
    expect((err as ApiError).causes.map((c) => c.field)).toEqual([
      'spec.rules[0].http.paths[0].pathType',
    ]);
  });
});

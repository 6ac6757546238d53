import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../machinery/meta.js';
import { GenericRegistry } from '../../machinery/registry/generic-registry.js';
import { dryRunRegistry } from '../../machinery/apiserver/dry-run.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { MapStorage } from '../../machinery/testing/map-storage.js';
import {
  configMapType,
  memberResourceTypes,
  podType,
  priorityClassType,
  resourceQuotaType,
  type Pod,
  type PriorityClass,
  type ResourceQuota,
} from '../../api/index.js';
import { priorityAdmission } from './priority-admission.js';
import { quotaAdmission } from './quota-admission.js';

const pods = podType as unknown as ResourceType;
const pcs = priorityClassType as unknown as ResourceType;
const quotas = resourceQuotaType as unknown as ResourceType;
const cms = configMapType;

function setup(): { reg: GenericRegistry; storage: MapStorage } {
  const storage = new MapStorage();
  const reg = new GenericRegistry({
    storage,
    admission: [
      priorityAdmission(),
      quotaAdmission({
        typeOf: (g, p) =>
          memberResourceTypes.find((t) => t.group === g && t.plural === p && !t.storageConversion),
      }),
    ],
  });
  return { reg, storage };
}

const pc = (name: string, value: number, globalDefault = false): PriorityClass => ({
  apiVersion: 'scheduling.k8s.io/v1',
  kind: 'PriorityClass',
  metadata: { name },
  value,
  ...(globalDefault ? { globalDefault } : {}),
});

function pod(name: string, spec: Partial<Pod['spec']> = {}, cpu?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns' },
    spec: {
      containers: [
        {
          name: 'main',
          image: 'busybox',
          ...(cpu ? { resources: { requests: { cpu }, limits: { cpu } } } : {}),
        },
      ],
      ...spec,
    },
  };
}

const quota = (name: string, hard: Record<string, string>): ResourceQuota => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name, namespace: 'ns' },
  spec: { hard },
});

/** `<code> <message>` of the error a refused write rejects with. */
async function refused(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: number; message?: string };
    return `${String(e.code)} ${e.message ?? ''}`;
  }
  return 'admitted';
}

const cm = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns' },
});

describe('Priority admission', () => {
  it('resolves priorityClassName to priority and preemptionPolicy', async () => {
    const { reg } = setup();
    await reg.create(pcs, undefined, { ...pc('high', 1000), preemptionPolicy: 'Never' });
    const p = (await reg.create(pods, 'ns', pod('a', { priorityClassName: 'high' }))) as Pod;
    expect(p.spec.priority).toBe(1000);
    expect(p.spec.preemptionPolicy).toBe('Never');
  });

  it('keeps the priority when an update leaves it out', async () => {
    const { reg } = setup();
    await reg.create(pcs, undefined, pc('high', 1000));
    await reg.create(pods, 'ns', pod('a', { priorityClassName: 'high' }));
    const updated = (await reg.update(
      pods,
      'ns',
      'a',
      { ...pod('a', { priorityClassName: 'high' }), metadata: { name: 'a', labels: { x: 'y' } } },
      undefined,
      'alice',
    )) as Pod;
    expect(updated.spec.priority).toBe(1000);
    expect(updated.metadata.labels).toEqual({ x: 'y' });
  });

  it('refuses an unknown class with 403', async () => {
    const { reg } = setup();
    await expect(
      reg.create(pods, 'ns', pod('a', { priorityClassName: 'nope' })),
    ).rejects.toMatchObject({
      code: 403,
      message: 'pods "a" is forbidden: no PriorityClass with name nope was found',
    });
  });

  it('gives 0 without a default class, the default class otherwise', async () => {
    const { reg } = setup();
    expect(((await reg.create(pods, 'ns', pod('a'))) as Pod).spec.priority).toBe(0);
    await reg.create(pcs, undefined, pc('dflt', 7, true));
    const p = (await reg.create(pods, 'ns', pod('b'))) as Pod;
    expect(p.spec.priority).toBe(7);
    expect(p.spec.priorityClassName).toBe('dflt');
  });

  it('refuses a pod whose priority disagrees with its class', async () => {
    const { reg } = setup();
    await reg.create(pcs, undefined, pc('high', 1000));
    expect(
      await refused(reg.create(pods, 'ns', pod('a', { priorityClassName: 'high', priority: 5 }))),
    ).toMatch(/^403 .*computed 1000 from the given PriorityClass name$/);
    // the same value is accepted
    await reg.create(pods, 'ns', pod('b', { priorityClassName: 'high', priority: 1000 }));
  });

  it('allows one global default, refuses user values above 1e9 (422)', async () => {
    const { reg } = setup();
    await reg.create(pcs, undefined, pc('d1', 1, true));
    expect(await refused(reg.create(pcs, undefined, pc('d2', 2, true)))).toContain(
      '403 priorityclasses.scheduling.k8s.io "d2" is forbidden: PriorityClass d1 is already marked as default',
    );
    expect(await refused(reg.create(pcs, undefined, pc('huge', 1_000_000_001)))).toMatch(
      /^422 .*value: Forbidden: maximum allowed value of a user defined priority is 1000000000/,
    );
    const stored = (await reg.create(pcs, undefined, pc('ok', 1_000_000_000))) as PriorityClass;
    expect(stored.preemptionPolicy).toBe('PreemptLowerPriority');
  });

  it('only lets the known system classes use the system- prefix', async () => {
    const { reg } = setup();
    await reg.create(pcs, undefined, pc('system-cluster-critical', 2_000_000_000));
    await expect(reg.create(pcs, undefined, pc('system-mine', 5))).rejects.toMatchObject({
      code: 422,
    });
  });
});

describe('ResourceQuota admission', () => {
  it('refuses a create beyond a count with Kubernetes message', async () => {
    const { reg } = setup();
    await reg.create(quotas, 'ns', quota('q', { configmaps: '2' }));
    await reg.create(cms, 'ns', cm('c1'));
    await reg.create(cms, 'ns', cm('c2'));
    await expect(reg.create(cms, 'ns', cm('c3'))).rejects.toMatchObject({
      code: 403,
      message:
        'configmaps "c3" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=2, limited: configmaps=2',
    });
    // other namespaces are not limited
    await reg.create(cms, 'other', { ...cm('c3'), metadata: { name: 'c3', namespace: 'other' } });
  });

  it('counts pods, not terminal ones, and count/<resource>', async () => {
    const { reg, storage } = setup();
    await reg.create(quotas, 'ns', quota('q', { pods: '2', 'count/configmaps': '5' }));
    await reg.create(pods, 'ns', pod('a'));
    const b = (await reg.create(pods, 'ns', pod('b'))) as Pod;
    await expect(reg.create(pods, 'ns', pod('c'))).rejects.toMatchObject({
      code: 403,
      message:
        'pods "c" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2',
    });
    // b finished: it no longer counts
    const key = [...storage.objects.keys()].find((k) => k.endsWith('/ns/b')) ?? '';
    storage.objects.set(key, { ...b, status: { phase: 'Succeeded' } });
    await reg.create(pods, 'ns', pod('c'));
  });

  it('sums cpu requests and requires them when a quota limits cpu', async () => {
    const { reg } = setup();
    await reg.create(quotas, 'ns', quota('cpu', { 'requests.cpu': '1', 'limits.cpu': '2' }));
    await expect(reg.create(pods, 'ns', pod('none'))).rejects.toMatchObject({
      code: 403,
      message:
        'pods "none" is forbidden: failed quota: cpu: must specify limits.cpu for: main; requests.cpu for: main',
    });
    await reg.create(pods, 'ns', pod('a', {}, '600m'));
    await expect(reg.create(pods, 'ns', pod('b', {}, '500m'))).rejects.toMatchObject({
      message:
        'pods "b" is forbidden: exceeded quota: cpu, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1',
    });
    await reg.create(pods, 'ns', pod('c', {}, '400m'));
  });

  it('serialises concurrent creates per namespace: only the quota is admitted', async () => {
    const { reg } = setup();
    await reg.create(quotas, 'ns', quota('q', { configmaps: '3' }));
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => reg.create(cms, 'ns', cm(`c${String(i)}`))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
  });

  it('applies to dry runs without storing', async () => {
    const { reg } = setup();
    await reg.create(quotas, 'ns', quota('q', { configmaps: '0' }));
    await expect(dryRunRegistry(reg).create(cms, 'ns', cm('c'))).rejects.toMatchObject({
      code: 403,
    });
  });
});

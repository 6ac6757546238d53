import { describe, expect, it } from 'vitest';
import type {
  EndpointSlice,
  Endpoints,
  Service,
  ServiceExport,
  ServiceImport,
} from '../../../api/index.js';
import type { Cluster } from '../../apis/index.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { AlreadyExistsError, NotFoundError } from '../../../machinery/errors/index.js';
import type { InformerFactory, Lister } from '../../../machinery/informer/index.js';
import type { GroupVersionResource, KubeObject } from '../../../machinery/meta.js';
import { ClustersetIpAllocator, validateClustersetIpRange } from './clusterset-ip-allocator.js';
import { ClustersetIpRangeExhaustedError } from './errors.js';
import { McsController } from './mcs-controller.js';
import type { MemberView } from './member-caches.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const RANGE = '127.77.5.0/24';
const NS = 'shop';

/** One API server: objects by `resource` → `namespace/name`, writes recorded as actions. */
class FakeServer {
  readonly objects = new Map<string, Map<string, KubeObject>>();
  readonly name: string;
  readonly actions: string[];

  constructor(name: string, actions: string[]) {
    this.name = name;
    this.actions = actions;
  }

  put(resource: string, o: KubeObject): void {
    const m = this.objects.get(resource) ?? new Map<string, KubeObject>();
    this.objects.set(resource, m);
    m.set(`${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`, structuredClone(o));
  }

  lister<T extends KubeObject>(resource: string): Lister<T> {
    return {
      get: (k) => this.objects.get(resource)?.get(k) as T | undefined,
      list: (ns) =>
        [...(this.objects.get(resource)?.values() ?? [])].filter(
          (o) => ns === undefined || o.metadata.namespace === ns,
        ) as T[],
    };
  }

  client(): KubeClient {
    let rv = 1;
    const resource = (gvr: GroupVersionResource, ns?: string) => {
      const r = gvr.resource;
      const k = (n: string): string => `${ns ?? ''}/${n}`;
      const record = (verb: string, n: string): void => {
        this.actions.push(`${this.name}: ${verb} ${r} ${ns ? `${ns}/` : ''}${n}`);
      };
      return {
        create: (o: KubeObject) => {
          const n = o.metadata.name ?? '';
          if (r !== 'namespaces' && ns !== undefined && !this.lister('namespaces').get(`/${ns}`)) {
            const err = new NotFoundError(`namespaces "${ns}" not found`);
            Object.assign(err, { kind: 'namespaces' });
            return Promise.reject(err);
          }
          if (this.objects.get(r)?.has(k(n))) return Promise.reject(new AlreadyExistsError('x'));
          record('create', n);
          const stored: KubeObject = {
            ...structuredClone(o),
            metadata: { ...o.metadata, resourceVersion: String(rv++) },
          };
          // the status subresource: a create keeps none
          if (r === 'serviceimports') delete stored.status;
          this.put(r, stored);
          return Promise.resolve(stored);
        },
        update: (o: KubeObject) => {
          record('update', o.metadata.name ?? '');
          this.put(r, o);
          return Promise.resolve(o);
        },
        updateStatus: (o: KubeObject) => {
          const conds = (
            o.status as { conditions?: { type: string; status: string; reason?: string }[] }
          ).conditions;
          const shown = conds ? ` ${conds.map((c) => `${c.type}=${c.status}`).join(',')}` : '';
          record('updateStatus', `${o.metadata.name ?? ''}${shown}`);
          this.put(r, o);
          return Promise.resolve(o);
        },
        delete: (n: string) => {
          record('delete', n);
          this.objects.get(r)?.delete(k(n));
          return Promise.resolve(undefined);
        },
      };
    };
    return { resource } as unknown as KubeClient;
  }

  view(): MemberView {
    return {
      exports: this.lister('serviceexports'),
      services: this.lister('services'),
      endpoints: this.lister('endpoints'),
      imports: this.lister('serviceimports'),
      slices: this.lister('endpointslices'),
    };
  }
}

const cluster = (name: string, ready = true): Cluster => ({
  apiVersion: 'cluster.flotilla.io/v1alpha1',
  kind: 'Cluster',
  metadata: { name },
  spec: { apiEndpoint: 'https://127.0.0.1:1', secretRef: { namespace: 'flotilla-system', name } },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

const svcExport = (created: string): ServiceExport => ({
  apiVersion: 'multicluster.x-k8s.io/v1alpha1',
  kind: 'ServiceExport',
  metadata: { name: 'web', namespace: NS, creationTimestamp: created },
});

const service = (port = 80, headless = false): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: NS },
  spec: {
    type: 'ClusterIP',
    clusterIP: headless ? 'None' : '10.0.0.9',
    ports: [{ name: 'http', port, protocol: 'TCP', targetPort: 8080 }],
  },
});

const endpoints = (ip: string): Endpoints => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name: 'web', namespace: NS },
  subsets: [
    {
      addresses: [{ ip, hostname: 'web-0', nodeName: 'node-1' }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  ],
});

/** A federation and members m1, m2 exporting shop/web, with a controller over them. */
function fixture(opts: { m2Port?: number; headless?: boolean; fed?: FakeServer } = {}) {
  const actions: string[] = [];
  const fed = opts.fed ?? new FakeServer('fed', actions);
  const members = new Map<string, FakeServer>();
  const clusters = [cluster('m1'), cluster('m2')];
  for (const [i, name] of ['m1', 'm2'].entries()) {
    const m = new FakeServer(name, actions);
    m.put('serviceexports', svcExport(`2026-01-0${String(i + 1)}T00:00:00Z`));
    m.put('services', service(name === 'm2' ? (opts.m2Port ?? 80) : 80, opts.headless));
    m.put('endpoints', endpoints(`127.1.${String(i + 1)}.10`));
    members.set(name, m);
  }
  const events: string[] = [];
  const informers = {
    for: (gvr: GroupVersionResource) => ({
      ...(gvr.resource === 'clusters'
        ? { get: (k: string) => clusters.find((c) => c.metadata.name === k), list: () => clusters }
        : fed.lister(gvr.resource)),
      addEventHandler: () => undefined,
      waitForSync: () => Promise.resolve(),
      hasSynced: () => true,
    }),
  } as unknown as InformerFactory;
  const ctl = new McsController({
    client: fed.client(),
    informers,
    logger: quiet,
    clients: {
      for: (c) => members.get(c.metadata.name ?? '')?.client() as KubeClient,
      guarded: (c) => members.get(c.metadata.name ?? '')?.client() as KubeClient,
    },
    members: { view: (c) => members.get(c.metadata.name ?? '')?.view() },
    events: {
      event: (o, type, reason, message) => {
        events.push(`${type} ${reason} ${o.kind}/${o.metadata.name ?? ''}: ${message}`);
        return Promise.resolve();
      },
    },
    clustersetIpRange: RANGE,
    now: () => new Date('2026-02-01T00:00:00Z'),
  });
  return { ctl, fed, members, clusters, actions, events };
}

const imp = (s: FakeServer): ServiceImport | undefined =>
  s.lister<ServiceImport>('serviceimports').get(`${NS}/web`);
const sliceNames = (s: FakeServer): string[] =>
  s
    .lister<EndpointSlice>('endpointslices')
    .list(NS)
    .map((x) => x.metadata.name ?? '')
    .sort();
const conditions = (m: FakeServer): string[] =>
  (m.lister<ServiceExport>('serviceexports').get(`${NS}/web`)?.status?.conditions ?? []).map(
    (c) => `${c.type}=${c.status}${c.reason ? `/${c.reason}` : ''}`,
  );

describe('McsController.reconcile', () => {
  it('allocates a cluster-set IP and writes the import and slices everywhere, once', async () => {
    const { ctl, fed, members, actions } = fixture();
    await ctl.reconcile(`${NS}/web`);
    const fi = imp(fed);
    expect(fi?.spec.type).toBe('ClusterSetIP');
    expect(fi?.spec.ips?.[0]).toMatch(/^127\.77\.5\.\d+$/);
    expect(fi?.spec.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 80 }]);
    expect(fi?.status?.clusters).toEqual([{ cluster: 'm1' }, { cluster: 'm2' }]);
    expect(sliceNames(fed)).toEqual(['web-m1', 'web-m2']);
    const slice = fed.lister<EndpointSlice>('endpointslices').get(`${NS}/web-m1`);
    expect(slice?.metadata.labels).toEqual({
      'multicluster.kubernetes.io/service-name': 'web',
      'multicluster.kubernetes.io/source-cluster': 'm1',
      'endpointslice.kubernetes.io/managed-by': 'flotilla-mcs-controller',
    });
    expect(slice?.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 8080 }]);
    expect(slice?.endpoints).toEqual([
      {
        addresses: ['127.1.1.10'],
        conditions: { ready: true, serving: true, terminating: false },
        hostname: 'web-0',
        nodeName: 'node-1',
      },
    ]);
    for (const m of members.values()) {
      expect(imp(m)?.spec).toEqual(fi?.spec);
      expect(imp(m)?.status).toEqual(fi?.status);
      expect(sliceNames(m)).toEqual(['web-m1', 'web-m2']);
      expect(conditions(m)).toEqual([
        'Conflict=False/NoConflicts',
        'Ready=True/Exported',
        'Valid=True/ServiceExported',
      ]);
    }
    expect(actions.filter((a) => a.startsWith('m1:'))).toEqual([
      'm1: create namespaces shop',
      'm1: create serviceimports shop/web',
      'm1: updateStatus serviceimports shop/web',
      'm1: create endpointslices shop/web-m1',
      'm1: create endpointslices shop/web-m2',
      'm1: updateStatus serviceexports shop/web Conflict=False,Ready=True,Valid=True',
    ]);
    actions.length = 0;
    await ctl.reconcile(`${NS}/web`);
    expect(actions).toEqual([]);
  });

  it('keeps the stored IP after a restart and never hands it out again', async () => {
    const first = fixture();
    await first.ctl.reconcile(`${NS}/web`);
    const ip = imp(first.fed)?.spec.ips?.[0];
    // a new controller (restart) over the same federation
    const second = fixture({ fed: first.fed });
    await second.ctl.reconcile(`${NS}/web`);
    expect(imp(first.fed)?.spec.ips).toEqual([ip]);
    // another import gets another IP
    for (const m of second.members.values()) {
      m.put('serviceexports', {
        ...svcExport('2026-01-05T00:00:00Z'),
        metadata: { name: 'api', namespace: NS },
      });
      m.put('services', { ...service(), metadata: { name: 'api', namespace: NS } });
    }
    await second.ctl.reconcile(`${NS}/api`);
    const other = first.fed.lister<ServiceImport>('serviceimports').get(`${NS}/api`);
    expect(other?.spec.ips?.[0]).toMatch(/^127\.77\.5\.\d+$/);
    expect(other?.spec.ips?.[0]).not.toBe(ip);
  });

  it('gives the younger export Conflict and leaves its endpoints out', async () => {
    const { ctl, fed, members, events } = fixture({ m2Port: 81 });
    await ctl.reconcile(`${NS}/web`);
    expect(imp(fed)?.spec.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 80 }]);
    expect(imp(fed)?.status?.clusters).toEqual([{ cluster: 'm1' }]);
    expect(sliceNames(fed)).toEqual(['web-m1']);
    expect(conditions(members.get('m1') as FakeServer)).toContain('Conflict=False/NoConflicts');
    expect(conditions(members.get('m2') as FakeServer)).toEqual([
      'Conflict=True/PortConflict',
      'Ready=False/Conflicting',
      'Valid=True/ServiceExported',
    ]);
    expect(events).toEqual([
      'Warning ExportConflict ServiceImport/web: m2: ports http:81/TCP conflict with http:80/TCP of the oldest export (cluster m1)',
    ]);
    // the same conflict is not reported twice
    await ctl.reconcile(`${NS}/web`);
    expect(events).toHaveLength(1);
  });

  it('imports a headless Service without a cluster-set IP', async () => {
    const { ctl, fed, members } = fixture({ headless: true });
    await ctl.reconcile(`${NS}/web`);
    expect(imp(fed)?.spec.type).toBe('Headless');
    expect(imp(fed)?.spec.ips).toBeUndefined();
    expect(imp(members.get('m2') as FakeServer)?.spec.type).toBe('Headless');
    expect(sliceNames(fed)).toEqual(['web-m1', 'web-m2']);
  });

  it('drops the slice of a cluster that turns NotReady, in the federation and the members', async () => {
    const { ctl, fed, members, clusters, actions } = fixture();
    await ctl.reconcile(`${NS}/web`);
    clusters[1] = cluster('m2', false);
    actions.length = 0;
    await ctl.reconcile(`${NS}/web`);
    expect(sliceNames(fed)).toEqual(['web-m1']);
    expect(sliceNames(members.get('m1') as FakeServer)).toEqual(['web-m1']);
    // the unreachable member is not written; it keeps its place in the import
    expect(actions.some((a) => a.startsWith('m2:'))).toBe(false);
    expect(imp(fed)?.status?.clusters).toEqual([{ cluster: 'm1' }, { cluster: 'm2' }]);
  });

  it('marks an export without its Service not Valid', async () => {
    const { ctl, members } = fixture();
    members.get('m2')?.objects.get('services')?.clear();
    await ctl.reconcile(`${NS}/web`);
    expect(conditions(members.get('m2') as FakeServer)).toEqual([
      'Conflict=False/NoConflicts',
      'Ready=False/Invalid',
      'Valid=False/ServiceNotFound',
    ]);
  });

  it('removes the import everywhere and frees its IP after the last unexport', async () => {
    const { ctl, fed, members } = fixture();
    await ctl.reconcile(`${NS}/web`);
    members.get('m1')?.objects.get('serviceexports')?.clear();
    await ctl.reconcile(`${NS}/web`);
    expect(imp(fed)?.status?.clusters).toEqual([{ cluster: 'm2' }]);
    expect(sliceNames(members.get('m1') as FakeServer)).toEqual(['web-m2']);
    members.get('m2')?.objects.get('serviceexports')?.clear();
    await ctl.reconcile(`${NS}/web`);
    expect(imp(fed)).toBeUndefined();
    expect(sliceNames(fed)).toEqual([]);
    for (const m of members.values()) {
      expect(imp(m)).toBeUndefined();
      expect(sliceNames(m)).toEqual([]);
    }
  });
});

describe('ClustersetIpAllocator', () => {
  it('validates the range', () => {
    expect(validateClustersetIpRange('127.64.3.0/24')).toEqual([]);
    expect(validateClustersetIpRange('10.96.0.0/24')).toEqual([
      '10.96.0.0/24 must be inside 127.0.0.0/8',
    ]);
    expect(validateClustersetIpRange('127.64.3.1/24')[0]).toMatch(/not an IPv4 CIDR/);
    expect(validateClustersetIpRange('127.64.3.0/31')[0]).toMatch(/too small/);
  });

  it('hands out every host address once, then refuses; a released one comes back', () => {
    const a = new ClustersetIpAllocator('127.64.3.0/30');
    expect([a.allocate(), a.allocate()]).toEqual(['127.64.3.1', '127.64.3.2']);
    expect(() => a.allocate()).toThrow(ClustersetIpRangeExhaustedError);
    a.release('127.64.3.1');
    expect(a.isReserved('127.64.3.1')).toBe(false);
    expect(a.allocate()).toBe('127.64.3.1');
    expect(a.reserve('127.64.4.1')).toBe(false);
  });
});

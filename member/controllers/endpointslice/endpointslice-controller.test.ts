import { afterEach, describe, expect, it } from 'vitest';
import {
  ENDPOINTSLICES,
  LABEL_ENDPOINTSLICE_MANAGED_BY,
  LABEL_SERVICE_NAME,
  NODES,
  PODS,
  SERVICES,
  type EndpointSlice,
  type Node,
  type Pod,
  type Service,
} from '../../../api/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import { startFixture, type Fixture, type FixtureSeed } from '../testing/fixture.js';
import { pod } from '../testing/objects.js';
import {
  ENDPOINTSLICE_CONTROLLER_MANAGER,
  EndpointSliceController,
  type EndpointSliceControllerOptions,
} from './endpointslice-controller.js';

let fx: (Fixture & { controller: EndpointSliceController }) | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

async function start(seed: FixtureSeed, opts: EndpointSliceControllerOptions = {}) {
  const f = await startFixture(seed, (ctx) => new EndpointSliceController(ctx, opts), [
    { gvr: SERVICES },
    { gvr: PODS },
    { gvr: NODES },
  ]);
  fx = f;
  await f.ctx.informers
    .for(ENDPOINTSLICES, {
      labelSelector: `${LABEL_ENDPOINTSLICE_MANAGED_BY}=${ENDPOINTSLICE_CONTROLLER_MANAGER}`,
    })
    .waitForSync();
  return f;
}

async function run(seed: FixtureSeed, opts: EndpointSliceControllerOptions = {}) {
  const f = await start(seed, opts);
  await f.controller.reconcile('default/web');
  return f.client.actions;
}

const verbs = (actions: { verb: string; name: string }[]) =>
  actions.map((a) => `${a.verb} ${a.name}`);
const bodies = (actions: { body?: unknown }[]) => actions.map((a) => a.body as EndpointSlice);

const svc: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', uid: 'uid-web', labels: { tier: 'front' } },
  spec: {
    type: 'ClusterIP',
    selector: { app: 'web' },
    ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
  },
};

const node: Node = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } },
};

const OWNER = {
  apiVersion: 'v1',
  kind: 'Service',
  name: 'web',
  uid: 'uid-web',
  controller: true,
  blockOwnerDeletion: true,
};

const LABELS = {
  tier: 'front',
  [LABEL_SERVICE_NAME]: 'web',
  [LABEL_ENDPOINTSLICE_MANAGED_BY]: ENDPOINTSLICE_CONTROLLER_MANAGER,
};

const ref = (name: string) => ({ kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` });

/** `n` ready pods web-0.. on n1 at 127.0.9.(i+1). */
const pods = (n: number): Pod[] =>
  Array.from({ length: n }, (_, i) =>
    pod(`web-${String(i)}`, 'web', { node: 'n1', ready: true, ip: `127.0.9.${String(i + 1)}` }),
  );

describe('EndpointSliceController', () => {
  it('writes one owned, labelled slice with ready, not-ready and terminating endpoints', async () => {
    const ready = pod('web-a', 'web', { node: 'n1', ready: true, ip: '127.0.9.1' });
    ready.spec.hostname = 'web-a';
    ready.spec.subdomain = 'web';
    const notReady = pod('web-b', 'web', { node: 'n2', ready: false, ip: '127.0.9.2' });
    const leaving = pod('web-c', 'web', { node: 'n1', ready: true, ip: '127.0.9.3' });
    leaving.metadata.deletionTimestamp = '2026-01-01T00:09:00Z';
    const done = pod('web-d', 'web', { node: 'n1', ready: false, ip: '127.0.9.4' });
    if (done.status) done.status.phase = 'Succeeded';
    const actions = await run([
      [SERVICES, [svc]],
      [NODES, [node]],
      [
        PODS,
        [
          ready,
          notReady,
          leaving,
          done,
          pod('other', 'db', { node: 'n1', ready: true, ip: '127.0.9.9' }),
          pod('noip', 'web', {}),
        ],
      ],
    ]);
    expect(verbs(actions)).toEqual(['create web-']);
    expect(bodies(actions)[0]).toEqual({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        generateName: 'web-',
        namespace: 'default',
        labels: LABELS,
        ownerReferences: [OWNER],
      },
      addressType: 'IPv4',
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
      endpoints: [
        {
          addresses: ['127.0.9.1'],
          conditions: { ready: true, serving: true, terminating: false },
          hostname: 'web-a',
          nodeName: 'n1',
          zone: 'zone-a',
          targetRef: ref('web-a'),
        },
        {
          addresses: ['127.0.9.2'],
          conditions: { ready: false, serving: false, terminating: false },
          nodeName: 'n2',
          targetRef: ref('web-b'),
        },
        {
          addresses: ['127.0.9.3'],
          conditions: { ready: false, serving: true, terminating: true },
          nodeName: 'n1',
          zone: 'zone-a',
          targetRef: ref('web-c'),
        },
      ],
    });
  });

  it('puts pods whose named targetPort resolves differently into different slices', async () => {
    const [a, b, c] = pods(3);
    const b0 = b?.spec.containers[0];
    if (b0) b0.ports = [{ name: 'http', containerPort: 9090 }];
    const c0 = c?.spec.containers[0];
    if (c0) c0.ports = [{ containerPort: 8080 }]; // no port named http: no endpoint
    const actions = await run([
      [SERVICES, [svc]],
      [PODS, [a, b, c].filter((p): p is Pod => p !== undefined)],
    ]);
    expect(
      bodies(actions).map((s) => [s.ports?.[0]?.port, s.endpoints.map((e) => e.addresses[0])]),
    ).toEqual([
      [8080, ['127.0.9.1']],
      [9090, ['127.0.9.2']],
    ]);
  });

  it('holds at most --max-endpoints-per-slice endpoints per slice', async () => {
    const actions = await run(
      [
        [SERVICES, [svc]],
        [PODS, pods(5)],
      ],
      { maxEndpointsPerSlice: 2 },
    );
    expect(bodies(actions).map((s) => s.endpoints.length)).toEqual([2, 2, 1]);
  });

  it('leaves equal slices alone, and changes only the slice an endpoint left', async () => {
    const first = await start([
      [SERVICES, [svc]],
      [PODS, pods(3)],
    ]);
    await first.controller.reconcile('default/web');
    const written = (await first.client.resource(ENDPOINTSLICES, 'default').list()).items;
    await first.stop();
    expect(written).toHaveLength(1);
    expect(
      await run([
        [SERVICES, [svc]],
        [PODS, pods(3)],
        [ENDPOINTSLICES, written],
      ]),
    ).toEqual([]);
    // web-1 gone, web-3 new: one in-place update keeps the others where they are
    const next = pods(4).filter((p) => p.metadata.name !== 'web-1');
    const actions = await run([
      [SERVICES, [svc]],
      [PODS, next],
      [ENDPOINTSLICES, written],
    ]);
    expect(verbs(actions)).toEqual([`update ${written[0]?.metadata.name ?? ''}`]);
    expect(bodies(actions)[0]?.endpoints.map((e) => e.addresses[0])).toEqual([
      '127.0.9.1',
      '127.0.9.3',
      '127.0.9.4',
    ]);
  });

  it('keeps an empty placeholder slice for a Service without endpoints', async () => {
    const actions = await run([[SERVICES, [svc]]]);
    expect(verbs(actions)).toEqual(['create web-']);
    expect(bodies(actions)[0]).toMatchObject({ addressType: 'IPv4', endpoints: [], ports: [] });
  });

  it('deletes its slices of a Service that stopped selecting, or of an earlier Service', async () => {
    const slice = (name: string, uid: string, managedBy: string): EndpointSlice => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name,
        namespace: 'default',
        labels: { ...LABELS, [LABEL_ENDPOINTSLICE_MANAGED_BY]: managedBy },
        ownerReferences: [{ ...OWNER, uid }],
      },
      addressType: 'IPv4',
      endpoints: [],
      ports: [],
    });
    const own = slice('web-own', 'uid-web', ENDPOINTSLICE_CONTROLLER_MANAGER);
    const old = slice('web-old', 'uid-earlier', ENDPOINTSLICE_CONTROLLER_MANAGER);
    const mirrored = slice('web-mirror', 'uid-ep', 'endpointslicemirroring-controller.k8s.io');
    const all: KubeObject[] = [own, old, mirrored];
    expect(
      verbs(
        await run([
          [SERVICES, [svc]],
          [ENDPOINTSLICES, all],
        ]),
      ),
    ).toEqual(['delete web-old']); // web-own is the placeholder: kept
    await fx?.stop();
    const { selector: _selector, ...spec } = svc.spec;
    expect(
      verbs(
        await run([
          [SERVICES, [{ ...svc, spec }]],
          [ENDPOINTSLICES, all],
        ]),
      ),
    ).toEqual(['delete web-own', 'delete web-old']);
  });

  it('waits for its own writes to reach the cache instead of writing twice', async () => {
    const f = await start([
      [SERVICES, [svc]],
      [PODS, pods(1)],
    ]);
    await f.controller.reconcile('default/web');
    // the fake's watches deliver nothing: the created slice never reaches the cache
    expect(await f.controller.reconcile('default/web')).toEqual({ requeueAfterMs: 100 });
    expect(verbs(f.client.actions)).toEqual(['create web-']);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import {
  ENDPOINTS,
  ENDPOINTSLICES,
  LABEL_ENDPOINTSLICE_MANAGED_BY,
  LABEL_SERVICE_NAME,
  SERVICES,
  type EndpointSlice,
  type Endpoints,
  type Service,
} from '../../../api/index.js';
import { startFixture, type Fixture, type FixtureSeed } from '../testing/fixture.js';
import {
  EndpointSliceMirroringController,
  LABEL_SKIP_MIRROR,
  MIRRORING_CONTROLLER_MANAGER,
} from './endpointslicemirroring-controller.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

async function run(seed: FixtureSeed) {
  const f = await startFixture(seed, (ctx) => new EndpointSliceMirroringController(ctx), [
    { gvr: SERVICES },
    { gvr: ENDPOINTS },
  ]);
  fx = f;
  await f.ctx.informers
    .for(ENDPOINTSLICES, {
      labelSelector: `${LABEL_ENDPOINTSLICE_MANAGED_BY}=${MIRRORING_CONTROLLER_MANAGER}`,
    })
    .waitForSync();
  await f.controller.reconcile('default/db');
  return f.client.actions;
}

const verbs = (actions: { verb: string; name: string }[]) =>
  actions.map((a) => `${a.verb} ${a.name}`);

const svc: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'db', namespace: 'default', uid: 'uid-db' },
  spec: { ports: [{ name: 'pg', port: 5432 }] },
};

const ep: Endpoints = {
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: {
    name: 'db',
    namespace: 'default',
    uid: 'uid-ep-db',
    labels: { team: 'data' },
    annotations: { note: 'manual', 'endpoints.kubernetes.io/last-change-trigger-time': 'x' },
  },
  subsets: [
    {
      addresses: [{ ip: '127.0.9.1', hostname: 'db-0', nodeName: 'n1' }],
      notReadyAddresses: [{ ip: '127.0.9.2' }],
      ports: [{ name: 'pg', port: 15432, protocol: 'TCP' }],
    },
    { addresses: [{ ip: '127.0.9.3' }], ports: [{ name: 'pg', port: 15432, protocol: 'TCP' }] },
    { addresses: [{ ip: '127.0.9.4' }], ports: [{ name: 'pg', port: 25432, protocol: 'TCP' }] },
  ],
};

describe('EndpointSliceMirroringController', () => {
  it('mirrors the Endpoints of a selector-less Service, one slice per port mapping', async () => {
    const actions = await run([
      [SERVICES, [svc]],
      [ENDPOINTS, [ep]],
    ]);
    expect(verbs(actions)).toEqual(['create db-', 'create db-']);
    const [first, second] = actions.map((a) => a.body as EndpointSlice);
    expect(first).toEqual({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        generateName: 'db-',
        namespace: 'default',
        labels: {
          team: 'data',
          [LABEL_SERVICE_NAME]: 'db',
          [LABEL_ENDPOINTSLICE_MANAGED_BY]: MIRRORING_CONTROLLER_MANAGER,
        },
        annotations: { note: 'manual' },
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'Endpoints',
            name: 'db',
            uid: 'uid-ep-db',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      addressType: 'IPv4',
      ports: [{ name: 'pg', protocol: 'TCP', port: 15432 }],
      endpoints: [
        { addresses: ['127.0.9.1'], conditions: { ready: true }, hostname: 'db-0', nodeName: 'n1' },
        { addresses: ['127.0.9.2'], conditions: { ready: false } },
        { addresses: ['127.0.9.3'], conditions: { ready: true } },
      ],
    });
    expect(second?.ports).toEqual([{ name: 'pg', protocol: 'TCP', port: 25432 }]);
    expect(second?.endpoints.map((e) => e.addresses[0])).toEqual(['127.0.9.4']);
  });

  it('does not mirror for a Service with a selector, skip-mirror Endpoints, or no Service', async () => {
    const mirrored: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'db-x1',
        namespace: 'default',
        labels: {
          [LABEL_SERVICE_NAME]: 'db',
          [LABEL_ENDPOINTSLICE_MANAGED_BY]: MIRRORING_CONTROLLER_MANAGER,
        },
      },
      addressType: 'IPv4',
      endpoints: [],
    };
    const selecting = { ...svc, spec: { ...svc.spec, selector: { app: 'db' } } };
    expect(
      verbs(
        await run([
          [SERVICES, [selecting]],
          [ENDPOINTS, [ep]],
          [ENDPOINTSLICES, [mirrored]],
        ]),
      ),
    ).toEqual(['delete db-x1']);
    await fx?.stop();
    const skip = { ...ep, metadata: { ...ep.metadata, labels: { [LABEL_SKIP_MIRROR]: 'true' } } };
    expect(
      await run([
        [SERVICES, [svc]],
        [ENDPOINTS, [skip]],
      ]),
    ).toEqual([]);
    await fx?.stop();
    expect(await run([[ENDPOINTS, [ep]]])).toEqual([]);
  });

  it('updates a mirrored slice in place when the Endpoints change', async () => {
    const slice: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'db-x1',
        namespace: 'default',
        labels: {
          [LABEL_SERVICE_NAME]: 'db',
          [LABEL_ENDPOINTSLICE_MANAGED_BY]: MIRRORING_CONTROLLER_MANAGER,
        },
        annotations: {},
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'Endpoints',
            name: 'db',
            uid: 'uid-ep-db',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      addressType: 'IPv4',
      ports: [{ name: 'pg', protocol: 'TCP', port: 15432 }],
      endpoints: [{ addresses: ['127.0.9.1'], conditions: { ready: true } }],
    };
    const one: Endpoints = {
      ...ep,
      metadata: { name: 'db', namespace: 'default', uid: 'uid-ep-db' },
      subsets: [
        {
          addresses: [{ ip: '127.0.9.1' }, { ip: '127.0.9.5' }],
          ports: [{ name: 'pg', port: 15432, protocol: 'TCP' }],
        },
      ],
    };
    const actions = await run([
      [SERVICES, [svc]],
      [ENDPOINTS, [one]],
      [ENDPOINTSLICES, [slice]],
    ]);
    expect(verbs(actions)).toEqual(['update db-x1']);
    expect((actions[0]?.body as EndpointSlice).endpoints.map((e) => e.addresses[0])).toEqual([
      '127.0.9.1',
      '127.0.9.5',
    ]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { ENDPOINTS, PODS, SERVICES, type Endpoints, type Service } from '../../../api/index.js';
import { HOST_PORTS_ANNOTATION } from '../host-ports.js';
import { startFixture, type Fixture, type FixtureSeed } from '../testing/fixture.js';
import { pod } from '../testing/objects.js';
import { EndpointsController } from './endpoints-controller.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

async function run(seed: FixtureSeed) {
  const f = await startFixture(seed, (ctx) => new EndpointsController(ctx), [
    { gvr: SERVICES },
    { gvr: PODS },
    { gvr: ENDPOINTS },
  ]);
  fx = f;
  await f.controller.reconcile('default/web');
  return f.client.actions;
}

const svc: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', labels: { tier: 'front' } },
  spec: {
    type: 'ClusterIP',
    selector: { app: 'web' },
    ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
  },
};

describe('EndpointsController', () => {
  it('lists ready pods as addresses and others as notReadyAddresses, resolving named target ports', async () => {
    const ready = pod('web-a', 'web', { node: 'n1', ready: true, ip: '127.0.9.1' });
    ready.metadata.annotations = { [HOST_PORTS_ANNOTATION]: JSON.stringify({ 8080: 31001 }) };
    ready.spec.hostname = 'web-a';
    ready.spec.subdomain = 'web';
    const notReady = pod('web-b', 'web', { node: 'n2', ready: false, ip: '127.0.9.2' });
    notReady.metadata.annotations = { [HOST_PORTS_ANNOTATION]: JSON.stringify({ 8080: 31001 }) };
    const actions = await run([
      [SERVICES, [svc]],
      [
        PODS,
        [
          ready,
          notReady,
          pod('other', 'db', { node: 'n1', ready: true, ip: '127.0.9.1' }),
          pod('noip', 'web', {}),
        ],
      ],
    ]);
    expect(actions.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual([
      'create /endpoints web',
    ]);
    expect((actions[0]?.body as Endpoints).metadata.labels).toEqual({ tier: 'front' });
    expect((actions[0]?.body as Endpoints).subsets).toEqual([
      {
        ports: [{ name: 'http', port: 31001, protocol: 'TCP' }],
        addresses: [
          {
            ip: '127.0.9.1',
            hostname: 'web-a',
            nodeName: 'n1',
            targetRef: { kind: 'Pod', name: 'web-a', namespace: 'default', uid: 'uid-web-a' },
          },
        ],
        notReadyAddresses: [
          {
            ip: '127.0.9.2',
            nodeName: 'n2',
            targetRef: { kind: 'Pod', name: 'web-b', namespace: 'default', uid: 'uid-web-b' },
          },
        ],
      },
    ]);
  });

  it('uses numeric target ports and leaves equal Endpoints alone', async () => {
    const s: Service = {
      ...svc,
      spec: { ...svc.spec, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
    };
    const p = pod('web-a', 'web', { node: 'n1', ready: true, ip: '127.0.9.1' });
    const ep: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web', namespace: 'default', labels: { tier: 'front' } },
      subsets: [
        {
          ports: [{ port: 8080, protocol: 'TCP' }],
          addresses: [
            {
              ip: '127.0.9.1',
              nodeName: 'n1',
              targetRef: { kind: 'Pod', name: 'web-a', namespace: 'default', uid: 'uid-web-a' },
            },
          ],
        },
      ],
    };
    expect(
      await run([
        [SERVICES, [s]],
        [PODS, [p]],
        [ENDPOINTS, [ep]],
      ]),
    ).toEqual([]);
  });

  it('deletes the Endpoints of a deleted Service', async () => {
    const ep: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web', namespace: 'default' },
      subsets: [],
    };
    const actions = await run([[ENDPOINTS, [ep]]]);
    expect(actions.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual([
      'delete /endpoints web',
    ]);
  });
});

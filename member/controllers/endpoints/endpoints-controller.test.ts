import { afterEach, describe, expect, it } from 'vitest';
import { ENDPOINTS, PODS, SERVICES, type Endpoints, type Service } from '../../../api/index.js';
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
    ready.spec.hostname = 'web-a';
    ready.spec.subdomain = 'web';
    const notReady = pod('web-b', 'web', { node: 'n2', ready: false, ip: '127.0.9.2' });
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
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
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

  it('resolves a named targetPort per pod: pods with different container ports get their own subsets', async () => {
    const a = pod('web-a', 'web', { node: 'n1', ready: true, ip: '127.128.0.2' });
    const b = pod('web-b', 'web', { node: 'n1', ready: true, ip: '127.128.0.3' });
    const b0 = b.spec.containers[0];
    if (b0) b0.ports = [{ name: 'http', containerPort: 9090 }];
    const noName = pod('web-c', 'web', { node: 'n1', ready: true, ip: '127.128.0.4' });
    const c0 = noName.spec.containers[0];
    if (c0) c0.ports = [{ containerPort: 8080 }];
    const actions = await run([
      [SERVICES, [svc]],
      [PODS, [a, b, noName]],
    ]);
    const subsets = (actions[0]?.body as Endpoints).subsets ?? [];
    expect(subsets.map((s) => [s.ports?.[0]?.port, (s.addresses ?? []).map((x) => x.ip)])).toEqual([
      [8080, ['127.128.0.2']],
      [9090, ['127.128.0.3']],
    ]);
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

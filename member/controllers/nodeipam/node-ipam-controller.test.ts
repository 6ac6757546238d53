import { afterEach, describe, expect, it } from 'vitest';
import { NODES, type Event, type Node } from '../../../api/index.js';
import { EventRecorder } from '../event-recorder.js';
import { startFixture, type Fixture } from '../testing/fixture.js';
import { NodeIpamController, REASON_CIDR_NOT_AVAILABLE } from './node-ipam-controller.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

const node = (name: string, podCIDR?: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, uid: `uid-${name}` },
  spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
});

async function start(nodes: Node[], clusterCidr = '127.16.24.0/24') {
  const f = await startFixture(
    [[NODES, nodes]],
    (ctx) => {
      ctx.recorder = new EventRecorder({
        client: ctx.client,
        component: 'controller-manager',
        logger: ctx.logger,
        now: ctx.now,
      });
      return new NodeIpamController(ctx, { clusterCidr, nodeCidrMaskSize: 26 });
    },
    [{ gvr: NODES }],
  );
  fx = f;
  return f;
}

const summary = (f: Fixture): string[] =>
  f.client.actions.map((a) => `${a.verb} ${a.resource} ${a.name ?? ''}`.trim());

describe('NodeIpamController', () => {
  it('gives a Node without podCIDR the next free one, skipping those existing Nodes hold', async () => {
    const f = await start([node('n1', '127.16.24.0/26'), node('n2')]);
    await f.controller.reconcile('n2');
    expect(summary(f)).toEqual(['patch /nodes n2']);
    expect(f.client.actions[0]?.body).toEqual({
      spec: { podCIDR: '127.16.24.64/26', podCIDRs: ['127.16.24.64/26'] },
    });
    // a Node that has one is left alone
    f.client.clearActions();
    await f.controller.reconcile('n1');
    expect(f.client.actions).toEqual([]);
  });

  it('sends the same CIDR again while the cache still shows the Node without it', async () => {
    const f = await start([node('n1')]);
    await f.controller.reconcile('n1');
    // the fake client's patch is in the store, but reconcile again as if the cache lagged
    const body = f.client.actions[0]?.body;
    f.client.clearActions();
    await f.controller.reconcile('n1');
    expect(f.client.actions.map((a) => a.body)).toEqual([body]);
  });

  it('records CIDRNotAvailable once when the range is exhausted, and retries after a release', async () => {
    const full = ['0', '64', '128', '192'].map((o, i) =>
      node(`n${String(i)}`, `127.16.24.${o}/26`),
    );
    const f = await start([...full, node('late')]);
    await f.controller.reconcile('late');
    await f.controller.reconcile('late');
    const events = f.client.actions.filter((a) => a.resource === '/events');
    expect(events).toHaveLength(1);
    expect((events[0]?.body as Event).reason).toBe(REASON_CIDR_NOT_AVAILABLE);
    expect(f.client.actions.some((a) => a.verb === 'patch')).toBe(false);
    // n0 goes away (the fake client's watch is idle: the informer is told directly)
    const inf = f.ctx.informers.for<Node>(NODES) as unknown as {
      apply(type: string, obj: Node): void;
    };
    inf.apply('DELETED', full[0] ?? node('n0'));
    f.client.clearActions();
    await f.controller.reconcile('n0');
    await f.controller.reconcile('late');
    expect(f.client.actions.find((a) => a.verb === 'patch')?.body).toEqual({
      spec: { podCIDR: '127.16.24.0/26', podCIDRs: ['127.16.24.0/26'] },
    });
  });

  it('leaves a Node whose podCIDR lies outside the cluster CIDR as it is', async () => {
    const f = await start([node('odd', '127.99.0.0/26')]);
    await f.controller.reconcile('odd');
    expect(f.client.actions).toEqual([]);
  });
});

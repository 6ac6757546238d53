import { describe, expect, it } from 'vitest';
import { NODES, type Node } from '../../api/index.js';
import { ConflictError } from '../../machinery/errors/index.js';
import { FakeKubeClient } from '../controllers/testing/fake-kube-client.js';
import { NodeRegistration } from './node-registration.js';

const statusPosts = (c: FakeKubeClient): number =>
  c.actions.filter((a) => a.verb === 'updateStatus' && a.resource === '/nodes').length;
/** Lease writes: the first heartbeat creates it (after its patch found none), later ones patch. */
const leaseWrites = (c: FakeKubeClient): string[] =>
  c.actions.filter((a) => a.resource === 'coordination.k8s.io/leases').map((a) => a.verb);

describe('NodeRegistration heartbeat', () => {
  it('renews the Lease every time but posts an unchanged status only when the report is due', async () => {
    const client = new FakeKubeClient();
    const reg = new NodeRegistration({
      client,
      nodeName: 'n1',
      nodeAddress: '127.0.0.1',
      runtimeName: 'hollow://1',
      statusReportMs: 150,
    });
    await reg.register();
    client.clearActions();
    // the first heartbeat posts; the next ones, with nothing changed, only renew the Lease
    await reg.heartbeat();
    await reg.heartbeat();
    await reg.heartbeat();
    expect(leaseWrites(client).filter((v) => v === 'patch')).toHaveLength(3);
    expect(leaseWrites(client)).toContain('create');
    expect(statusPosts(client)).toBe(1);

    // a controller marks the node Unknown: the next heartbeat posts Ready=True again at once
    const node = client.stored<Node>(NODES, undefined, 'n1');
    if (!node?.status?.conditions?.[0]) throw new Error('node n1 has no Ready condition');
    node.status.conditions[0] = { ...node.status.conditions[0], status: 'Unknown' };
    await reg.heartbeat();
    expect(statusPosts(client)).toBe(2);
    const ready = client
      .stored<Node>(NODES, undefined, 'n1')
      ?.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready?.status).toBe('True');

    // unchanged again: nothing until the report frequency has passed, then one post
    await reg.heartbeat();
    expect(statusPosts(client)).toBe(2);
    await new Promise((r) => setTimeout(r, 200));
    await reg.heartbeat();
    expect(statusPosts(client)).toBe(3);
  });

  it('reads its Node from the watch cache; a stale copy costs one conflict, then the stored one is posted', async () => {
    const client = new FakeKubeClient();
    let cached: Node | undefined;
    const reg = new NodeRegistration({
      client,
      nodeName: 'n1',
      nodeAddress: '127.0.0.1',
      runtimeName: 'hollow://1',
      cached: () => cached,
    });
    await reg.register();
    // optimistic concurrency, as the API server has it
    client.reactors.push((a) => {
      if (a.verb !== 'updateStatus') return undefined;
      const stored = client.stored<Node>(NODES, undefined, 'n1');
      const sent = (a.body as Node | undefined)?.metadata.resourceVersion;
      return sent === stored?.metadata.resourceVersion ? undefined : new ConflictError('stale');
    });
    const stale = structuredClone(client.stored<Node>(NODES, undefined, 'n1'));
    // the stored Node moves on (a controller's write) while the cache still has the old copy
    await client.resource<Node>(NODES).patch('n1', { metadata: { labels: { x: 'y' } } }, 'merge');
    cached = stale;
    client.clearActions();
    await reg.heartbeat();
    expect(statusPosts(client)).toBe(2);
    expect(client.stored<Node>(NODES, undefined, 'n1')?.metadata.labels?.x).toBe('y');
    // a current copy: an unchanged status is not posted, and nothing is read
    cached = structuredClone(client.stored<Node>(NODES, undefined, 'n1'));
    client.clearActions();
    await reg.heartbeat();
    expect(statusPosts(client)).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import {
  CHANGE_CAUSE_ANNOTATION,
  DEPLOYMENTS,
  POD_TEMPLATE_HASH,
  REPLICASETS,
  REVISION_ANNOTATION,
  templateHash,
  type Deployment,
  type ReplicaSet,
} from '../../../api/index.js';
import { consoleLogger } from '../../../machinery/controller/index.js';
import { InformerFactory } from '../../../machinery/informer/index.js';
import { FakeKubeClient, type FakeAction } from '../../../machinery/testing/fake-kube-client.js';
import { DeploymentHistoryController, REASON_NAME_TAKEN } from './deployment-history-controller.js';

const NS = 'default';

function deployment(image: string, extra: Partial<Deployment['spec']> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS, uid: 'uid-web' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image }] },
      },
      ...extra,
    },
  };
}

const nameOf = (image: string): string => `web-${templateHash(deployment(image).spec.template)}`;

/**
 * One reconcile of `default/web` on informers freshly synced from `client` (the fake's watches
 * deliver nothing, so each step lists what the previous steps wrote); returns its writes.
 */
async function step(client: FakeKubeClient): Promise<string[]> {
  const informers = new InformerFactory(client);
  const c = new DeploymentHistoryController({
    client,
    informers,
    logger: consoleLogger('test', true),
  });
  const abort = new AbortController();
  informers.start(abort.signal);
  await Promise.all([
    informers.for(DEPLOYMENTS).waitForSync(),
    informers.for(REPLICASETS).waitForSync(),
  ]);
  client.clearActions();
  await c.reconcile(`${NS}/web`);
  abort.abort();
  await informers.stopped();
  return client.actions.map(show);
}

function show(a: FakeAction): string {
  const body = a.verb === 'patch' ? ` ${JSON.stringify(a.body)}` : '';
  return `${a.verb} ${a.resource} ${a.name}${body}`;
}

/** `name=revision` of the stored history ReplicaSets, oldest revision first. */
async function history(client: FakeKubeClient): Promise<string[]> {
  const { items } = await client.resource<ReplicaSet>(REPLICASETS, NS).list();
  return items
    .map((rs) => [rs.metadata.name ?? '', Number(rs.metadata.annotations?.[REVISION_ANNOTATION])])
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map(([n, r]) => `${String(n)}=${String(r)}`);
}

/** Replaces the stored Deployment's template image (as `kubectl set image`). */
function setImage(client: FakeKubeClient, image: string, extra: Partial<Deployment['spec']> = {}) {
  const d = client.stored<Deployment>(DEPLOYMENTS, NS, 'web');
  if (!d) throw new Error('no deployment');
  client.seed(DEPLOYMENTS, { ...d, spec: deployment(image, extra).spec });
}

const revisionOfDeployment = (client: FakeKubeClient): string | undefined =>
  client.stored<Deployment>(DEPLOYMENTS, NS, 'web')?.metadata.annotations?.[REVISION_ANNOTATION];

describe('DeploymentHistoryController', () => {
  it('records a new Deployment as revision 1: a 0-replica ReplicaSet it controls', async () => {
    const client = new FakeKubeClient();
    const d = deployment('nginx:1');
    d.metadata.annotations = {
      [CHANGE_CAUSE_ANNOTATION]: 'first',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
    };
    client.seed(DEPLOYMENTS, d);
    const hash = templateHash(d.spec.template);
    expect(await step(client)).toEqual([
      `create apps/replicasets web-${hash}`,
      `patch apps/deployments web {"metadata":{"annotations":{"${REVISION_ANNOTATION}":"1"}}}`,
    ]);
    const rs = client.stored<ReplicaSet>(REPLICASETS, NS, `web-${hash}`);
    expect(rs?.metadata).toMatchObject({
      labels: { app: 'web', [POD_TEMPLATE_HASH]: hash },
      // the Deployment's annotations except those Kubernetes never copies
      annotations: { [CHANGE_CAUSE_ANNOTATION]: 'first', [REVISION_ANNOTATION]: '1' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'web',
          uid: 'uid-web',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    expect(Object.keys(rs?.metadata.annotations ?? {})).toHaveLength(2);
    expect(rs?.spec).toEqual({
      replicas: 0,
      selector: { matchLabels: { app: 'web', [POD_TEMPLATE_HASH]: hash } },
      template: {
        metadata: { labels: { app: 'web', [POD_TEMPLATE_HASH]: hash } },
        spec: { containers: [{ name: 'web', image: 'nginx:1' }] },
      },
    });
    // converged: nothing more to write
    expect(await step(client)).toEqual([]);
  });

  it('numbers each new template max+1 and names the current one on the Deployment', async () => {
    const client = new FakeKubeClient();
    client.seed(DEPLOYMENTS, deployment('nginx:1'));
    await step(client);
    setImage(client, 'nginx:2');
    expect(await step(client)).toEqual([
      `create apps/replicasets ${nameOf('nginx:2')}`,
      `patch apps/deployments web {"metadata":{"annotations":{"${REVISION_ANNOTATION}":"2"}}}`,
    ]);
    setImage(client, 'nginx:3');
    await step(client);
    expect(await history(client)).toEqual([
      `${nameOf('nginx:1')}=1`,
      `${nameOf('nginx:2')}=2`,
      `${nameOf('nginx:3')}=3`,
    ]);
    expect(revisionOfDeployment(client)).toBe('3');
  });

  it('an old template coming back (rollout undo) renumbers its ReplicaSet, none is created', async () => {
    const client = new FakeKubeClient();
    client.seed(DEPLOYMENTS, deployment('nginx:1'));
    await step(client);
    setImage(client, 'nginx:2');
    await step(client);
    setImage(client, 'nginx:3');
    await step(client);
    setImage(client, 'nginx:1');
    expect(await step(client)).toEqual([
      `patch apps/replicasets ${nameOf('nginx:1')} {"metadata":{"annotations":{"${REVISION_ANNOTATION}":"4"}}}`,
      `patch apps/deployments web {"metadata":{"annotations":{"${REVISION_ANNOTATION}":"4"}}}`,
    ]);
    expect(await history(client)).toEqual([
      `${nameOf('nginx:2')}=2`,
      `${nameOf('nginx:3')}=3`,
      `${nameOf('nginx:1')}=4`,
    ]);
    expect(await step(client)).toEqual([]);
  });

  it('keeps at most revisionHistoryLimit old ReplicaSets, deleting the oldest revisions', async () => {
    const client = new FakeKubeClient();
    const limit = { revisionHistoryLimit: 1 };
    client.seed(DEPLOYMENTS, deployment('nginx:1', limit));
    await step(client);
    setImage(client, 'nginx:2', limit);
    expect(await step(client)).not.toContain(`delete apps/replicasets ${nameOf('nginx:1')}`);
    setImage(client, 'nginx:3', limit);
    expect(await step(client)).toEqual([
      `create apps/replicasets ${nameOf('nginx:3')}`,
      `patch apps/deployments web {"metadata":{"annotations":{"${REVISION_ANNOTATION}":"3"}}}`,
      `delete apps/replicasets ${nameOf('nginx:1')}`,
    ]);
    expect(await history(client)).toEqual([`${nameOf('nginx:2')}=2`, `${nameOf('nginx:3')}=3`]);
  });

  it('defaults the limit to 10 old ReplicaSets', async () => {
    const client = new FakeKubeClient();
    client.seed(DEPLOYMENTS, deployment('img:0'));
    for (let i = 1; i <= 11; i++) {
      await step(client);
      setImage(client, `img:${String(i)}`);
    }
    expect(await step(client)).toContain(`delete apps/replicasets ${nameOf('img:0')}`);
    expect(await history(client)).toHaveLength(11);
    expect(revisionOfDeployment(client)).toBe('12');
  });

  it('deletes the history of a Deployment that is gone, or was replaced under its name', async () => {
    const client = new FakeKubeClient();
    client.seed(DEPLOYMENTS, deployment('nginx:1'));
    await step(client);
    // another Deployment's record stays
    const other = structuredClone(client.stored<ReplicaSet>(REPLICASETS, NS, nameOf('nginx:1')));
    if (!other?.metadata.ownerReferences?.[0]) throw new Error('no record');
    other.metadata.name = 'api-1';
    other.metadata.uid = 'uid-api-1';
    other.metadata.ownerReferences[0] = {
      ...other.metadata.ownerReferences[0],
      name: 'api',
      uid: 'uid-api',
    };
    client.seed(REPLICASETS, other);
    const replaced = deployment('nginx:1');
    replaced.metadata.uid = 'uid-web-2';
    client.seed(DEPLOYMENTS, replaced);
    expect(await step(client)).toEqual([
      `delete apps/replicasets ${nameOf('nginx:1')}`,
      // the old record's name: the next reconcile (its delete event) records the new one
      `create apps/replicasets ${nameOf('nginx:1')}`,
      `patch apps/deployments web {"metadata":{"annotations":{"${REVISION_ANNOTATION}":"1"}}}`,
    ]);
    expect(
      client.stored<ReplicaSet>(REPLICASETS, NS, nameOf('nginx:1'))?.metadata.ownerReferences?.[0]
        ?.uid,
    ).toBe('uid-web-2');
    await client.resource(DEPLOYMENTS, NS).delete('web');
    expect(await step(client)).toEqual([`delete apps/replicasets ${nameOf('nginx:1')}`]);
    expect(await history(client)).toEqual(['api-1=1']);
  });

  it('records nothing new for a paused Deployment', async () => {
    const client = new FakeKubeClient();
    client.seed(DEPLOYMENTS, deployment('nginx:1'));
    await step(client);
    setImage(client, 'nginx:2', { paused: true });
    expect(await step(client)).toEqual([]);
    setImage(client, 'nginx:2');
    expect(await step(client)).toEqual([
      `create apps/replicasets ${nameOf('nginx:2')}`,
      `patch apps/deployments web {"metadata":{"annotations":{"${REVISION_ANNOTATION}":"2"}}}`,
    ]);
  });

  it('adopts an orphan of its name, and leaves another owner’s alone with a Warning', async () => {
    const client = new FakeKubeClient();
    client.seed(DEPLOYMENTS, deployment('nginx:1'));
    await step(client);
    const rs = client.stored<ReplicaSet>(REPLICASETS, NS, nameOf('nginx:1'));
    if (!rs) throw new Error('no record');
    const orphan: ReplicaSet = { ...rs, metadata: { ...rs.metadata, ownerReferences: [] } };
    // hidden from the cache (written after it synced): the create finds it
    client.reactors.push((a) => {
      if (a.verb === 'create' && a.resource === 'apps/replicasets') {
        client.seed(REPLICASETS, orphan);
      }
      return undefined;
    });
    await client.resource(REPLICASETS, NS).delete(nameOf('nginx:1'));
    const actions = await step(client);
    expect(actions[0]).toBe(`create apps/replicasets ${nameOf('nginx:1')}`);
    expect(actions[1]).toMatch(new RegExp(`^patch apps/replicasets ${nameOf('nginx:1')} `));
    expect(
      client.stored<ReplicaSet>(REPLICASETS, NS, nameOf('nginx:1'))?.metadata.ownerReferences,
    ).toMatchObject([{ kind: 'Deployment', name: 'web', uid: 'uid-web', controller: true }]);

    const taken: ReplicaSet = {
      ...rs,
      metadata: {
        ...rs.metadata,
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Other', name: 'x', uid: 'u', controller: true },
        ],
      },
    };
    client.reactors.length = 0;
    client.reactors.push((a) => {
      if (a.verb === 'create' && a.resource === 'apps/replicasets') {
        client.seed(REPLICASETS, taken);
      }
      return undefined;
    });
    await client.resource(REPLICASETS, NS).delete(nameOf('nginx:1'));
    expect(await step(client)).toEqual([
      `create apps/replicasets ${nameOf('nginx:1')}`,
      expect.stringMatching(/^create \/events /),
    ]);
    const { items } = await client
      .resource({ group: '', version: 'v1', resource: 'events' }, NS)
      .list();
    expect(items.map((e) => (e as unknown as { reason: string }).reason)).toContain(
      REASON_NAME_TAKEN,
    );
    expect(
      client.stored<ReplicaSet>(REPLICASETS, NS, nameOf('nginx:1'))?.metadata.ownerReferences?.[0]
        ?.kind,
    ).toBe('Other');
  });
});

// Each component runs under its own identity with least privilege: a real FederationControlPlane
// and a hollow MemberCluster on real etcd, both writing an audit log. The log shows the
// federation's controllers, the member's controller manager, scheduler and kubelets acting as
// their own users (never admin), and each of those identities gets 403 outside its role;
// kubelets only touch their own Node, Lease and pods (NodeRestriction).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../machinery/apiserver/audit-log.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { ForbiddenError } from '../../machinery/errors/index.js';
import { CLUSTERS, PROPAGATION_POLICIES, type Cluster } from '../../federation/apis/index.js';
import { FEDERATION_CONTROLLER_USER } from '../../federation/server/federation-bootstrap-policy.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import {
  CONFIGMAPS,
  DEPLOYMENTS,
  NODES,
  PODS,
  SECRETS,
  type Deployment,
  type Node,
  type Pod,
} from '../../api/index.js';
import {
  CLUSTER_DNS_USER,
  CONTROLLER_MANAGER_USER,
  NODES_GROUP,
  SCHEDULER_USER,
} from '../../member/cluster/member-bootstrap-policy.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';

let etcd: EtcdService;
let dir: string;
let fed: FederationControlPlane;
let member: MemberCluster;

const POLICY = 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Metadata\n';

function audit(name: string): AuditEvent[] {
  return readFileSync(join(dir, `${name}.log`), 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditEvent);
}

/** Users that made a successful write of `resource[/subresource]` (verb in `verbs`). */
function writers(log: string, resource: string, verbs: string[]): Set<string> {
  const [res, sub] = resource.split('/');
  return new Set(
    audit(log)
      .filter(
        (e) =>
          e.objectRef?.resource === res &&
          e.objectRef?.subresource === sub &&
          verbs.includes(e.verb) &&
          e.responseStatus.code < 300,
      )
      .map((e) => e.user.username),
  );
}

/** Polls `ok` every 250 ms for up to 30 s. */
async function until(ok: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 30_000;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('timed out waiting for the set-up');
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function forbidden(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => 'allowed',
    (e: unknown) => (e instanceof ForbiddenError ? 'forbidden' : e),
  );
}

const node = (i: number): string => `ids-node-${String(i)}`;
const kubelet = (i: number): RestClient =>
  member.componentClient(`system:node:${node(i)}`, [NODES_GROUP]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-ids-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  etcd = await startEtcd();
  const auditOf = (name: string): { auditPolicyFile: string; auditLogPath: string } => ({
    auditPolicyFile: join(dir, 'policy.yaml'),
    auditLogPath: join(dir, `${name}.log`),
  });
  fed = new FederationControlPlane({
    etcdEndpoint: etcd.endpoint,
    resyncMs: 1000,
    health: {
      probePeriodMs: 500,
      probeTimeoutMs: 2000,
      failureThreshold: 3,
      halfOpenAfterMs: 1000,
    },
    ...auditOf('federation'),
  });
  await fed.start();
  member = new MemberCluster({
    name: 'ids',
    etcdEndpoint: etcd.endpoint,
    nodes: 2,
    runtime: 'hollow',
    ...auditOf('member'),
  });
  await member.start();
  const api = fed.client();
  await api.resource(SECRETS, 'flotilla-system').create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'cluster-ids' },
    data: {
      token: Buffer.from(member.token).toString('base64'),
      caData: Buffer.from(member.cert.cert).toString('base64'),
    },
  });
  await api.resource<Cluster>(CLUSTERS).create({
    apiVersion: 'cluster.flotilla.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'ids' },
    spec: {
      apiEndpoint: member.url,
      secretRef: { namespace: 'flotilla-system', name: 'cluster-ids' },
    },
  });
  await api.resource(CONFIGMAPS, 'default').create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'shared' },
    data: { a: '1' },
  });
  await api.resource(PROPAGATION_POLICIES, 'default').create({
    apiVersion: 'policy.flotilla.io/v1alpha1',
    kind: 'PropagationPolicy',
    metadata: { name: 'shared' },
    spec: {
      resourceSelectors: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'shared' }],
      placement: { clusterAffinity: { clusterNames: ['ids'] } },
    },
  });
  const deployment: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'hollow:1' }] },
      },
    },
  };
  await member.client().resource<Deployment>(DEPLOYMENTS, 'default').create(deployment);
  // expect.poll only works inside tests
  await until(
    async () =>
      (await member.client().resource<Pod>(PODS, 'default').list()).items.filter(
        (p) => p.status?.phase === 'Running',
      ).length === 2,
  );
  await until(async () =>
    member
      .client()
      .resource(CONFIGMAPS, 'default')
      .get('shared')
      .then(
        () => true,
        () => false,
      ),
  );
});

afterAll(async () => {
  await member?.stop();
  await fed?.stop();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('component identities in the audit log', () => {
  it('federation controllers act as the federation controller manager', () => {
    expect(writers('federation', 'resourcebindings', ['create', 'update', 'patch'])).toEqual(
      new Set([FEDERATION_CONTROLLER_USER]),
    );
    expect(writers('federation', 'clusters/status', ['update', 'patch'])).toEqual(
      new Set([FEDERATION_CONTROLLER_USER]),
    );
  });

  it('member controllers, scheduler and kubelets act as themselves', () => {
    expect(writers('member', 'replicasets', ['create'])).toEqual(
      new Set([CONTROLLER_MANAGER_USER]),
    );
    expect(writers('member', 'pods', ['create'])).toEqual(new Set([CONTROLLER_MANAGER_USER]));
    expect(writers('member', 'pods/binding', ['create'])).toEqual(new Set([SCHEDULER_USER]));
    const statusWriters = writers('member', 'pods/status', ['update', 'patch']);
    expect(statusWriters.size).toBeGreaterThan(0);
    expect([...statusWriters].every((u) => /^system:node:ids-node-[12]$/.test(u))).toBe(true);
    expect(writers('member', 'nodes', ['create'])).toEqual(
      new Set([`system:node:${node(1)}`, `system:node:${node(2)}`]),
    );
    expect(writers('member', 'leases', ['create', 'update', 'patch']).has('admin')).toBe(false);
  });
});

describe('least privilege', () => {
  it('refuses each identity what its role does not grant', async () => {
    expect(await forbidden(member.componentClient(SCHEDULER_USER).resource(SECRETS).list())).toBe(
      'forbidden',
    );
    expect(await forbidden(member.componentClient(CLUSTER_DNS_USER).resource(SECRETS).list())).toBe(
      'forbidden',
    );
    expect(await forbidden(kubelet(1).resource(SECRETS).list())).toBe('forbidden');
    // the federation controllers read (propagate) Secrets but never write them nor create Clusters
    const ctrl = fed.controllerClient();
    expect(await forbidden(ctrl.resource(SECRETS, 'flotilla-system').list())).toBe('allowed');
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'planted' } };
    expect(await forbidden(ctrl.resource(SECRETS, 'flotilla-system').create(secret))).toBe(
      'forbidden',
    );
    const cluster = {
      apiVersion: 'cluster.flotilla.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'planted' },
    };
    expect(await forbidden(ctrl.resource(CLUSTERS).create(cluster))).toBe('forbidden');
  });

  it('lets a kubelet modify only its own Node and the pods bound to it', async () => {
    const nodes = kubelet(1).resource<Node>(NODES);
    const own = await nodes.get(node(1));
    expect(await forbidden(nodes.update(own))).toBe('allowed');
    const other = await nodes.get(node(2));
    expect(await forbidden(nodes.update(other))).toBe('forbidden');
    expect(await forbidden(nodes.delete(node(2)))).toBe('forbidden');
    expect(
      await forbidden(
        nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'ids-node-9' } }),
      ),
    ).toBe('forbidden');
    const pods = (await member.client().resource<Pod>(PODS, 'default').list()).items;
    expect(pods.length).toBe(2);
    for (const pod of pods) {
      const on = pod.spec.nodeName === node(1) ? 1 : 2;
      const status = (i: number): Promise<unknown> =>
        // a merge patch (as the kubelet's host-port annotation): no conflict with its syncs
        forbidden(
          kubelet(i)
            .resource<Pod>(PODS, 'default')
            .patch(pod.metadata.name ?? '', { metadata: { annotations: { t: '1' } } }, 'merge'),
        );
      expect(await status(3 - on)).toBe('forbidden');
      expect(await status(on)).toBe('allowed');
    }
  });
});

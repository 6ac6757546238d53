// RBAC with the real kubectl against a federation (registry promotion types served) and a member:
// requester / approver / namespaced users, escalation prevention, `kubectl auth can-i [--list]`
// compared with the table in docs/security.md ("## Authorization").
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceType } from '../../machinery/resource-type.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { CLUSTER_ROLES } from '../../machinery/rbac/index.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import { MemberCluster } from '../../member/cluster/member-cluster.js';
import { NAMESPACES } from '../../api/index.js';
import { bindClusterRole, bindInNamespace, waitForAccess } from '../../hack/lib/rbac-bindings.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import {
  approvalHandler,
  promotionRequestType,
  REPLICATION_POLICIES,
} from '../../registry/index.js';
import { registryBootstrapPolicy } from '../../registry/rbac/registry-bootstrap-policy.js';
import { parseCanIList, tablesUnder } from '../support/can-i-table.js';
import { adminContext, userContext } from '../support/kube-contexts.js';

const run = promisify(execFile);
const GROUP = 'registry.flotilla.io';
let etcd: EtcdService;
let fed: FederationControlPlane;
let member: MemberCluster;
let dir: string;
let kubeconfig: string;

async function kubectl(ctx: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, '--context', ctx, ...args], {
    timeout: 30_000,
  });
  return stdout;
}

async function kubectlFails(ctx: string, ...args: string[]): Promise<string> {
  try {
    await run('kubectl', ['--kubeconfig', kubeconfig, '--context', ctx, ...args], {
      timeout: 30_000,
    });
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
  throw new Error(`kubectl --context ${ctx} ${args.join(' ')} unexpectedly succeeded`);
}

function file(name: string, body: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(body));
  return p;
}

const promotion = (name: string): unknown => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: 'PromotionRequest',
  metadata: { name },
  spec: {
    image: { repository: 'app/web', digest: `sha256:${'a'.repeat(64)}` },
    from: 'dev',
    to: 'prod',
    requester: 'ignored',
  },
});
const approvalPath = (name: string): string =>
  `/apis/${GROUP}/v1alpha1/promotionrequests/${name}/approval`;

beforeAll(async () => {
  await run('kubectl', ['version', '--client']).catch(() => {
    throw new Error('kubectl is not installed on this machine');
  });
  dir = mkdtempSync(join(tmpdir(), 'flotilla-rbac-'));
  kubeconfig = join(dir, 'kubeconfig');
  etcd = await startEtcd();
  fed = new FederationControlPlane({
    etcdEndpoint: etcd.endpoint,
    etcdPrefix: `/rbac-test-${String(process.pid)}`,
    extraResources: (await import('../../registry/index.js')).registryResourceTypes,
    rbacPolicy: registryBootstrapPolicy(),
    controllers: '-*',
  });
  await fed.start();
  fed.server?.registerSubresource(
    promotionRequestType as unknown as ResourceType,
    'approval',
    approvalHandler,
  );
  member = new MemberCluster({
    name: 'rbac-m1',
    etcdEndpoint: etcd.endpoint,
    etcdPrefix: `/rbac-member-${String(process.pid)}`,
    nodes: 0,
    runtime: 'hollow',
    controllers: '-*',
  });
  await member.start();
  const admin = fed.client();
  await bindClusterRole(admin, 'promotion-requester', ['alice', 'bob']);
  await bindClusterRole(admin, 'promotion-approver', ['bob']);
  for (const ns of ['team-a', 'team-b']) {
    await admin
      .resource(NAMESPACES)
      .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }
  await bindInNamespace(admin, 'team-a', { kind: 'ClusterRole', name: 'edit' }, ['carol']);
  // dave manages RBAC objects but holds nothing else: every grant he writes is an escalation
  // unless he holds it or has `bind` on the role
  await admin.resource(CLUSTER_ROLES).create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'rbac-manager' },
    rules: [
      {
        verbs: ['create', 'get', 'list', 'update', 'delete'],
        apiGroups: ['rbac.authorization.k8s.io'],
        resources: ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings'],
      },
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'] },
      {
        verbs: ['bind'],
        apiGroups: ['rbac.authorization.k8s.io'],
        resources: ['clusterroles'],
        resourceNames: ['view'],
      },
    ],
  });
  await bindClusterRole(admin, 'rbac-manager', ['dave']);
  await admin.resource(REPLICATION_POLICIES).create({
    apiVersion: `${GROUP}/v1alpha1`,
    kind: 'ReplicationPolicy',
    metadata: { name: 'dev-to-prod' },
    spec: {
      source: 'dev',
      target: 'prod',
      requiresApproval: true,
      approvers: [{ role: 'release-manager', users: ['bob'] }],
    },
  });
  await waitForAccess(admin, 'alice', {
    verbs: ['create'],
    apiGroups: [GROUP],
    resources: ['promotionrequests'],
  });
  await waitForAccess(admin, 'bob', {
    verbs: ['approve'],
    apiGroups: [GROUP],
    resources: ['promotionrequests/approval'],
  });
  await waitForAccess(
    admin,
    'carol',
    { verbs: ['create'], apiGroups: [''], resources: ['configmaps'] },
    'team-a',
  );
  await waitForAccess(admin, 'dave', {
    verbs: ['create'],
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['clusterrolebindings'],
  });
  const user = (name: string) => userContext(`fed-${name}`, fed, name);
  writeFileSync(
    kubeconfig,
    kubeconfigFor(
      adminContext('fed-admin', fed),
      user('alice'),
      user('bob'),
      user('carol'),
      user('dave'),
      adminContext('member', member),
      userContext('member-alice', member, 'alice'),
    ),
  );
}, 120_000);

afterAll(async () => {
  await member?.stop();
  await fed?.stop();
  await etcd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('RBAC with kubectl', () => {
  it('alice (promotion-requester) may request promotions but not read secrets or change the fleet', async () => {
    expect(
      await kubectl('fed-alice', 'create', '-f', file('pr1.json', promotion('pr-1'))),
    ).toContain('promotionrequest.registry.flotilla.io/pr-1 created');
    expect(await kubectl('fed-alice', 'get', 'promotionrequests', '-o', 'name')).toContain('pr-1');
    expect(await kubectl('fed-alice', 'get', 'replicationpolicies', '-o', 'name')).toContain(
      'dev-to-prod',
    );
    expect(await kubectlFails('fed-alice', 'get', 'secrets', '-A')).toMatch(
      /Forbidden.*cannot list resource "secrets"/,
    );
    expect(await kubectlFails('fed-alice', 'get', 'secret', 'x', '-n', 'default')).toMatch(
      /Forbidden.*cannot get resource "secrets"/,
    );
    expect(
      await kubectlFails('fed-alice', 'delete', 'clusters.cluster.flotilla.io', 'member1'),
    ).toMatch(/Forbidden.*cannot delete resource "clusters"/);
    const registry = file('reg.json', {
      apiVersion: `${GROUP}/v1alpha1`,
      kind: 'Registry',
      metadata: { name: 'evil' },
      spec: { url: 'http://127.0.0.1:1', environment: 'prod' },
    });
    expect(await kubectlFails('fed-alice', 'create', '-f', registry)).toMatch(
      /Forbidden.*cannot create resource "registries"/,
    );
    expect(
      await kubectlFails(
        'fed-alice',
        'patch',
        'replicationpolicy',
        'dev-to-prod',
        '--type=merge',
        '-p',
        '{"spec":{"requiresApproval":false}}',
      ),
    ).toMatch(/Forbidden.*cannot patch resource "replicationpolicies"/);
    expect(await kubectlFails('fed-alice', 'delete', 'replicationpolicy', 'dev-to-prod')).toMatch(
      /Forbidden/,
    );
    // the approval subresource is the approver's: alice is refused by RBAC before the handler runs
    expect(
      await kubectlFails(
        'fed-alice',
        'create',
        '--raw',
        approvalPath('pr-1'),
        '-f',
        file('a.json', { decision: 'approve', role: 'release-manager' }),
      ),
    ).toMatch(/Forbidden|forbidden/);
  });

  it('bob (promotion-approver) may use the approval subresource', async () => {
    await kubectl('fed-alice', 'create', '-f', file('pr2.json', promotion('pr-2')));
    const out = await kubectl(
      'fed-bob',
      'create',
      '--raw',
      approvalPath('pr-2'),
      '-f',
      file('b.json', { decision: 'approve', role: 'release-manager' }),
    );
    expect((JSON.parse(out) as { status: { phase: string } }).status.phase).toBe('Approved');
    expect(
      await kubectl(
        'fed-bob',
        'auth',
        'can-i',
        'update',
        'promotionrequests',
        '--subresource=approval',
      ),
    ).toBe('yes\n');
    expect(await kubectlFails('fed-bob', 'get', 'secrets', '-A')).toMatch(/forbidden/i);
  });

  it('a user with only a namespaced RoleBinding is confined to that namespace', async () => {
    const cm = (ns: string): string =>
      file(`cm-${ns}.json`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'c1', namespace: ns },
        data: { a: 'b' },
      });
    expect(await kubectl('fed-carol', 'create', '-f', cm('team-a'))).toContain('created');
    expect(await kubectl('fed-carol', '-n', 'team-a', 'get', 'configmaps', '-o', 'name')).toContain(
      'configmap/c1',
    );
    expect(await kubectlFails('fed-carol', 'create', '-f', cm('team-b'))).toMatch(
      /forbidden.*in the namespace "team-b"/,
    );
    expect(await kubectlFails('fed-carol', 'get', 'configmaps', '-A')).toMatch(/forbidden/i);
    expect(await kubectlFails('fed-carol', '-n', 'team-b', 'get', 'secrets')).toMatch(/forbidden/i);
    expect(
      await kubectl('fed-carol', 'auth', 'can-i', 'delete', 'deployments', '-n', 'team-a'),
    ).toBe('yes\n');
    expect(
      await kubectlFails('fed-carol', 'auth', 'can-i', 'delete', 'deployments', '-n', 'team-b'),
    ).toBe('');
  });

  it('refuses RBAC writes that would grant more than the writer holds', async () => {
    const crb = (name: string, role: string, user: string): string =>
      file(`${name}.json`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }],
      });
    const cr = (name: string, resource: string): string =>
      file(`${name}.json`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name },
        rules: [{ verbs: ['get'], apiGroups: [''], resources: [resource] }],
      });
    expect(
      await kubectlFails('fed-alice', 'create', '-f', crb('alice-root', 'cluster-admin', 'alice')),
    ).toMatch(/forbidden/i);
    expect(
      await kubectlFails('fed-dave', 'create', '-f', crb('dave-root', 'cluster-admin', 'dave')),
    ).toMatch(/forbidden: user "dave" cannot bind ClusterRole "cluster-admin"/);
    expect(await kubectlFails('fed-dave', 'create', '-f', cr('secret-reader', 'secrets'))).toMatch(
      /attempting to grant RBAC permissions not currently held/,
    );
    // what he holds he may hand out; `bind` on view lets him bind view without holding it
    expect(await kubectl('fed-dave', 'create', '-f', cr('cm-reader', 'configmaps'))).toContain(
      'created',
    );
    expect(await kubectl('fed-dave', 'create', '-f', crb('erin-view', 'view', 'erin'))).toContain(
      'created',
    );
    expect(await kubectl('fed-dave', 'auth', 'can-i', 'bind', 'clusterroles/view')).toBe('yes\n');
  });

  it('kubectl auth can-i answers on the federation and on a member', async () => {
    expect(await kubectl('fed-alice', 'auth', 'can-i', 'create', 'promotionrequests')).toBe(
      'yes\n',
    );
    expect(await kubectlFails('fed-alice', 'auth', 'can-i', 'list', 'secrets')).toBe('');
    expect(await kubectl('fed-admin', 'auth', 'can-i', '*', '*')).toBe('yes\n');
    expect(await kubectl('member', 'auth', 'can-i', 'delete', 'nodes')).toBe('yes\n');
    expect(await kubectlFails('member-alice', 'auth', 'can-i', 'list', 'pods')).toBe('');
    expect(await kubectlFails('member-alice', 'get', 'pods')).toMatch(/forbidden/i);
  });

  it('kubectl auth can-i --list matches docs/security.md', async () => {
    const got = new Map<string, string[][]>();
    for (const [who, ctx] of [
      ['alice', 'fed-alice'],
      ['bob', 'fed-bob'],
      ['admin', 'fed-admin'],
    ] as const) {
      got.set(who, parseCanIList(await kubectl(ctx, 'auth', 'can-i', '--list')));
    }
    const doc = tablesUnder(
      readFileSync(join(import.meta.dirname, '../../docs/security.md'), 'utf8'),
      '## Authorization',
    );
    for (const who of got.keys()) expect(got.get(who), who).toEqual(doc.get(who));
  });
});

// The flotilla CLI in-process against a real federation ApiServer on real etcd (federation + member
// types), with a second ApiServer acting as the member for join: join / get clusters / unjoin,
// apply (created, unchanged, configured), get -o yaml, describe, delete, config contexts, and bad
// input that must exit non-zero with a message and leave stored data untouched.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLUSTERS,
  federationResourceTypes,
  RESOURCE_BINDINGS,
  type Cluster,
  type ResourceBinding,
} from '../../federation/apis/index.js';
import type { KubeObject } from '../../machinery/meta.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { NotFoundError } from '../../machinery/errors/index.js';
import { ApiServer, selfSignedCert } from '../../machinery/apiserver/index.js';
import { EtcdStorage } from '../../machinery/storage/etcd-storage.js';
import { freePort } from '../../hack/lib/ports.js';
import { CONFIGMAPS, DEPLOYMENTS, memberResourceTypes } from '../../api/index.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { flotilla } from '../support/cli-runner.js';

const SECRETS = { group: '', version: 'v1', resource: 'secrets' };
let fed: ApiHarness;
let member: ApiHarness;
let dir: string;
let kc: string;

const cli = (...args: string[]): ReturnType<typeof flotilla> => flotilla(kc, ...args);

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function missing(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (err) {
    return err instanceof NotFoundError;
  }
}

const APP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  labels: {app: web}
data:
  color: blue
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: busybox:1.36}]
---
apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: web
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
  placement: {clusterAffinity: {clusterNames: [m1]}}
`;

beforeAll(async () => {
  fed = await startApiHarness({ resources: [...federationResourceTypes, ...memberResourceTypes] });
  member = await startApiHarness({
    resources: memberResourceTypes,
    etcd: fed.etcd,
    tokens: { 'member-secret': 'admin' },
  });
  dir = mkdtempSync(join(tmpdir(), 'flotilla-cli-it-'));
  kc = fed.kubeconfigPath;
});

afterAll(async () => {
  await member.stop();
  await fed.stop();
});

describe('join / get clusters / unjoin', () => {
  it('joins a member from its kubeconfig, storing a Secret and a Cluster', async () => {
    const r = await cli(
      'join',
      'm1',
      '--kubeconfig-of-member',
      member.kubeconfigPath,
      '--region',
      'eu',
      '--zone',
      'eu-1',
      '--labels',
      'env=prod,tier=gold',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cluster/m1 joined');
    const c = await fed.client.resource<Cluster>(CLUSTERS).get('m1');
    expect(c.spec).toMatchObject({
      apiEndpoint: member.url,
      region: 'eu',
      zone: 'eu-1',
      secretRef: { namespace: 'flotilla-system', name: 'cluster-m1' },
    });
    expect(c.metadata.labels).toEqual({ env: 'prod', tier: 'gold' });
    const s = (await fed.client
      .resource(SECRETS, 'flotilla-system')
      .get('cluster-m1')) as KubeObject & { data: Record<string, string> };
    expect(Buffer.from(s.data.token ?? '', 'base64').toString()).toBe('member-secret');
  });

  it('lists clusters as a table', async () => {
    const r = await cli('get', 'clusters');
    expect(r.code).toBe(0);
    const [header, row] = r.stdout.trimEnd().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual([
      'NAME',
      'READY',
      'REGION',
      'ZONE',
      'ENDPOINT',
      'VERSION',
      'AGE',
    ]);
    expect(row?.split(/\s{2,}/).slice(0, 5)).toEqual(['m1', 'Unknown', 'eu', 'eu-1', member.url]);
  });

  it('refuses a duplicate join and changes nothing', async () => {
    const before = await fed.client.resource<Cluster>(CLUSTERS).get('m1');
    const r = await cli(
      'join',
      'm1',
      '--endpoint',
      member.url,
      '--token',
      'member-secret',
      '--region',
      'us',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: cluster "m1" is already joined; run "flotilla unjoin m1" first\n',
    );
    const after = await fed.client.resource<Cluster>(CLUSTERS).get('m1');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('refuses an unreachable member or a wrong token and stores nothing', async () => {
    const port = await freePort();
    const r = await cli(
      'join',
      'ghost',
      '--endpoint',
      `http://127.0.0.1:${String(port)}`,
      '--token',
      'x',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: cannot reach member cluster "ghost" at http:\/\/127\.0\.0\.1:\d+: .*nothing was stored\n$/,
    );
    const bad = await cli('join', 'ghost', '--endpoint', member.url, '--token', 'wrong');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/cannot reach member cluster "ghost".*Unauthorized/);
    expect(await missing(fed.client.resource(CLUSTERS).get('ghost'))).toBe(true);
    expect(
      await missing(fed.client.resource(SECRETS, 'flotilla-system').get('cluster-ghost')),
    ).toBe(true);
  });

  it('joins with --endpoint/--token and unjoins, removing the Secret', async () => {
    const r = await cli('join', 'm2', '--endpoint', member.url, '--token', 'member-secret');
    expect(r.code).toBe(0);
    expect((await cli('get', 'clusters', '-o', 'name')).stdout).toBe('cluster/m1\ncluster/m2\n');
    const u = await cli('unjoin', 'm2');
    expect(u).toMatchObject({ code: 0, stdout: 'cluster/m2 unjoined\n' });
    expect(await missing(fed.client.resource(CLUSTERS).get('m2'))).toBe(true);
    expect(await missing(fed.client.resource(SECRETS, 'flotilla-system').get('cluster-m2'))).toBe(
      true,
    );
    const again = await cli('unjoin', 'm2');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: .*"m2" not found\n$/);
  });
});

describe('unjoin with finalizers', () => {
  const addFinalizer = async (name: string): Promise<void> => {
    const c = await fed.client.resource<Cluster>(CLUSTERS).get(name);
    await fed.client.resource<Cluster>(CLUSTERS).update({
      ...c,
      metadata: { ...c.metadata, finalizers: ['federation.flotilla.io/cluster-cleanup'] },
    });
  };

  it('keeps the Secret while finalizers run, and removes it on a second unjoin', async () => {
    expect((await cli('join', 'slow', '--kubeconfig-of-member', member.kubeconfigPath)).code).toBe(
      0,
    );
    await addFinalizer('slow');
    const soft = await cli('unjoin', 'slow', '--timeout', '0');
    expect(soft).toMatchObject({
      code: 0,
      stdout:
        'cluster/slow unjoining (waiting for finalizers federation.flotilla.io/cluster-cleanup; use --force to skip)\n',
    });
    expect(await missing(fed.client.resource(SECRETS, 'flotilla-system').get('cluster-slow'))).toBe(
      false,
    );
    // the cleanup controller finishes: finalizer removed, Cluster goes
    const c = await fed.client.resource<Cluster>(CLUSTERS).get('slow');
    await fed.client
      .resource<Cluster>(CLUSTERS)
      .update({ ...c, metadata: { ...c.metadata, finalizers: [] } });
    expect(await missing(fed.client.resource(CLUSTERS).get('slow'))).toBe(true);
    expect((await cli('unjoin', 'slow')).stdout).toBe(
      'cluster/slow already gone; removed its Secret\n',
    );
    expect(await missing(fed.client.resource(SECRETS, 'flotilla-system').get('cluster-slow'))).toBe(
      true,
    );
  });

  it('--force clears the finalizers and removes Cluster and Secret at once', async () => {
    expect((await cli('join', 'stuck', '--kubeconfig-of-member', member.kubeconfigPath)).code).toBe(
      0,
    );
    await addFinalizer('stuck');
    const hard = await cli('unjoin', 'stuck', '--force');
    expect(hard).toMatchObject({ code: 0, stdout: 'cluster/stuck unjoined\n' });
    expect(await missing(fed.client.resource(CLUSTERS).get('stuck'))).toBe(true);
    expect(
      await missing(fed.client.resource(SECRETS, 'flotilla-system').get('cluster-stuck')),
    ).toBe(true);
  });
});

describe('join over TLS', () => {
  it('needs --ca-file for a member with a private CA, and stores the CA with the token', async () => {
    const cert = selfSignedCert();
    const storage = new EtcdStorage({
      endpoints: [fed.etcd.endpoint],
      prefix: `/cli-tls-${String(Date.now())}`,
    });
    const tlsMember = new ApiServer({
      storage,
      resources: memberResourceTypes,
      tokens: { 'tls-token': 'admin' },
      tls: cert,
    });
    const url = await tlsMember.listen(0);
    try {
      expect(url.startsWith('https://')).toBe(true);
      const untrusted = await cli('join', 'secure', '--endpoint', url, '--token', 'tls-token');
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toMatch(/^error: cannot reach member cluster "secure"/);
      expect(await missing(fed.client.resource(CLUSTERS).get('secure'))).toBe(true);
      const ok = await cli(
        'join',
        'secure',
        '--endpoint',
        url,
        '--token',
        'tls-token',
        '--ca-file',
        file('ca.pem', cert.cert),
      );
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      const s = (await fed.client
        .resource(SECRETS, 'flotilla-system')
        .get('cluster-secure')) as KubeObject & { data: Record<string, string> };
      expect(Buffer.from(s.data.caData ?? '', 'base64').toString()).toBe(cert.cert);
      expect((await cli('unjoin', 'secure')).code).toBe(0);
    } finally {
      await tlsMember.close();
      await storage.close();
    }
  });
});

describe('apply / get / describe / delete', () => {
  it('creates, then reports unchanged, then configured', async () => {
    const f = file('app.yaml', APP);
    const first = await cli('apply', '-f', f);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe(
      'configmap/web-config created\ndeployment/web created\npropagationpolicy/web created\n',
    );
    const second = await cli('apply', '-f', f);
    expect(second.stdout).toBe(
      'configmap/web-config unchanged\ndeployment/web unchanged\npropagationpolicy/web unchanged\n',
    );
    const third = await cli(
      'apply',
      '-f',
      file('app2.yaml', APP.replace('replicas: 3', 'replicas: 5')),
    );
    expect(third.stdout).toBe(
      'configmap/web-config unchanged\ndeployment/web configured\npropagationpolicy/web unchanged\n',
    );
    const d = await fed.client
      .resource<KubeObject & { spec: { replicas: number } }>(DEPLOYMENTS, 'default')
      .get('web');
    expect(d.spec.replicas).toBe(5);
  });

  it('gets by short name, as yaml, and by label selector', async () => {
    const y = await cli('get', 'deploy', 'web', '-o', 'yaml');
    expect(y.code).toBe(0);
    expect(load(y.stdout)).toMatchObject({
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 5 },
    });
    const cms = await cli('get', 'cm', '-l', 'app=web', '-o', 'json');
    expect(
      (JSON.parse(cms.stdout) as { items: KubeObject[] }).items.map((o) => o.metadata.name),
    ).toEqual(['web-config']);
    const none = await cli('get', 'configmaps', '-l', 'app=nope');
    expect(none).toMatchObject({
      code: 0,
      stdout: '',
      stderr: 'No resources found in default namespace.\n',
    });
  });

  it('shows per-cluster placement and status from the ResourceBinding', async () => {
    await fed.client.resource<ResourceBinding>(RESOURCE_BINDINGS, 'default').create({
      apiVersion: 'work.flotilla.io/v1alpha1',
      kind: 'ResourceBinding',
      metadata: { name: 'web-deployment', namespace: 'default' },
      spec: {
        resource: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' },
        policy: { namespace: 'default', name: 'web' },
        clusters: [{ name: 'm1', replicas: 5 }],
      },
    });
    const b = await fed.client
      .resource<ResourceBinding>(RESOURCE_BINDINGS, 'default')
      .get('web-deployment');
    await fed.client.resource<ResourceBinding>(RESOURCE_BINDINGS, 'default').updateStatus({
      ...b,
      status: {
        aggregatedStatus: [
          { clusterName: 'm1', applied: true, health: 'Healthy', status: { readyReplicas: 4 } },
        ],
      },
    });
    const t = await cli('get', 'deployments');
    expect(
      t.stdout
        .split('\n')[1]
        ?.split(/\s{2,}/)
        .slice(0, 3),
    ).toEqual(['web', '0/5', 'm1(5)']);
    const d = await cli('describe', 'deployment', 'web');
    expect(d.code).toBe(0);
    expect(d.stdout).toContain('Policy:       default/web');
    expect(d.stdout).toMatch(/m1\s+5\s+4\s+true\s+Healthy/);
  });

  it('deletes from a file and by name', async () => {
    const r = await cli('delete', 'cm', 'web-config');
    expect(r).toMatchObject({ code: 0, stdout: 'configmap/web-config deleted\n' });
    const f = await cli('delete', '-f', join(dir, 'app.yaml'), '--ignore-not-found');
    expect(f.stdout).toBe('deployment/web deleted\npropagationpolicy/web deleted\n');
    expect(await missing(fed.client.resource(DEPLOYMENTS, 'default').get('web'))).toBe(true);
    const gone = await cli('get', 'deployment', 'web');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^error: .*"web" not found\n$/);
  });
});

describe('bad input', () => {
  it('fails on a missing file, invalid YAML or an unknown kind without storing anything', async () => {
    const m = await cli('apply', '-f', join(dir, 'nope.yaml'));
    expect(m).toMatchObject({
      code: 1,
      stderr: `error: the path "${join(dir, 'nope.yaml')}" does not exist\n`,
    });
    const y = await cli(
      'apply',
      '-f',
      file('bad.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [oops\n'),
    );
    expect(y.code).toBe(1);
    expect(y.stderr).toMatch(/^error: error parsing .*bad\.yaml: /);
    const u = await cli(
      'apply',
      '-f',
      file(
        'unknown.yaml',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n---\napiVersion: example.com/v1\nkind: Frob\nmetadata: {name: x}\n',
      ),
    );
    expect(u).toMatchObject({
      code: 1,
      stderr: 'error: no matches for kind "Frob" in version "example.com/v1"\n',
    });
    expect(await missing(fed.client.resource(CONFIGMAPS, 'default').get('first'))).toBe(true);
  });

  it('fails on an unknown resource type and lists the causes of a 422', async () => {
    const r = await cli('get', 'frobs');
    expect(r).toMatchObject({
      code: 1,
      stderr: 'error: the server doesn\'t have a resource type "frobs"\n',
    });
    const inv = await cli(
      'apply',
      '-f',
      file(
        'invalid.yaml',
        'apiVersion: cluster.flotilla.io/v1alpha1\nkind: Cluster\nmetadata: {name: broken}\nspec: {apiEndpoint: "ftp://x"}\n',
      ),
    );
    expect(inv.code).toBe(1);
    expect(inv.stderr).toContain('error: cluster/broken: ');
    expect(inv.stderr).toContain('* spec.apiEndpoint: ');
    expect(inv.stderr).toContain('* spec.secretRef: ');
    expect(await missing(fed.client.resource(CLUSTERS).get('broken'))).toBe(true);
  });

  it('exits 2 on usage errors', async () => {
    expect((await cli('get')).code).toBe(2);
    expect((await cli('join', 'x')).code).toBe(2);
    const lonely = await cli('join', 'x', '--endpoint', member.url, '--dns-zone', 'x.local');
    expect(lonely.code).toBe(2);
    expect(lonely.stderr).toContain('--dns-zone and --dns-server go together');
    const badServer = await cli(
      'join',
      'x',
      '--endpoint',
      member.url,
      '--dns-zone',
      'x.local',
      '--dns-server',
      'dns:53',
    );
    expect(badServer.code).toBe(2);
    expect(badServer.stderr).toContain('--dns-server must be IPv4:PORT');
    expect(await missing(fed.client.resource(CLUSTERS).get('x'))).toBe(true);
    expect((await cli('delete', '--cascade=sideways', 'cm', 'x')).code).toBe(2);
  });
});

describe('config contexts', () => {
  it('sets, lists and switches contexts, and uses the current one', async () => {
    const path = join(dir, 'contexts.yaml');
    writeFileSync(
      path,
      kubeconfigFor({ name: 'dead', server: `http://127.0.0.1:${String(await freePort())}` }),
    );
    const set = await flotilla(
      path,
      '--server',
      fed.url,
      'config',
      'set-context',
      'fed',
      '-n',
      'team',
    );
    expect(set).toMatchObject({ code: 0, stdout: 'Context "fed" created.\n' });
    expect((await flotilla(path, 'get', 'clusters')).code).toBe(1);
    expect((await flotilla(path, 'config', 'use-context', 'fed')).stdout).toBe(
      'Switched to context "fed".\n',
    );
    const list = await flotilla(path, 'config', 'get-contexts');
    expect(list.stdout).toMatch(/\*\s+fed\s+fed\s+team/);
    expect((await flotilla(path, 'get', 'clusters', '-o', 'name')).stdout).toBe('cluster/m1\n');
    expect((await flotilla(path, '--context', 'dead', 'get', 'clusters')).code).toBe(1);
    expect((await flotilla(path, 'config', 'use-context', 'nope')).code).toBe(1);
  });
});

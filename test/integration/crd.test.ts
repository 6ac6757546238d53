// CustomResourceDefinitions with the real kubectl (v1.32) against an in-process member API server
// on real etcd (and one check against a federation API server): a CRD is applied and becomes
// Established, its custom resources are served at once (discovery, printer columns, short names,
// field selectors), bad objects get 422 with the field path, unknown fields are refused under
// Strict, defaults are filled, status and scale subresources work (kubectl scale), kubectl
// explain reads the CRD's schema, and deleting the CRD removes its objects and discovery entry.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podType, secretType, serviceAccountType } from '../../api/index.js';
import { ClusterAuthentication } from '../../machinery/apiserver/cluster-authentication.js';
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { startMemberApiServer, type RunningMemberApiServer } from '../../member/apiserver/index.js';
import {
  runFederationApiServer,
  type FederationApiServer,
} from '../../federation/apiserver/federation-apiserver.js';

const run = promisify(execFile);
let etcd: EtcdService;
let member: RunningMemberApiServer;
let federation: FederationApiServer;
let dir: string;
/** kubeconfigs: `member` and `federation` as admin, `alice` (no grants) on the member. */
const configs = new Map<Target, string>();
type Target = 'member' | 'federation' | 'alice';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** kubectl against `target` (asynchronous: the API servers run in this process). */
async function kubectl(target: Target, ...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(
      'kubectl',
      [
        '--kubeconfig',
        configs.get(target) ?? '',
        '--cache-dir',
        join(dir, `cache-${target}`),
        ...args,
      ],
      { timeout: 30_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

async function ok(target: Target, ...args: string[]): Promise<string> {
  const r = await kubectl(target, ...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd], categories: [gadgets]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    additionalPrinterColumns:
    - {name: Image, type: string, jsonPath: .spec.image}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What the widget should be.
            required: [image]
            properties:
              image: {type: string, description: The widget's image.}
              replicas: {type: integer, minimum: 0, default: 1, description: How many widgets.}
              size: {type: string, enum: [small, large]}
          status:
            type: object
            properties:
              replicas: {type: integer}
`;

const widget = (name: string, spec: string): string =>
  file(
    `${name}.yaml`,
    `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: ${name}, labels: {app: demo}}\nspec: ${spec}\n`,
  );

function kubeconfig(
  target: Target,
  auth: ClusterAuthentication,
  url: string,
  ca: string,
  user = 'admin',
): void {
  const p = join(dir, `${target}.kubeconfig`);
  writeFileSync(
    p,
    kubeconfigFor({
      name: target,
      server: url,
      clientCert: auth.clientCert(user, user === 'admin' ? [MASTERS_GROUP] : []),
      caCert: ca,
    }),
  );
  configs.set(target, p);
}

beforeAll(async () => {
  await run('kubectl', ['version', '--client']).catch(() => {
    throw new Error('kubectl is not installed on this machine');
  });
  etcd = await startEtcd();
  dir = mkdtempSync(join(tmpdir(), 'flotilla-crd-'));
  const prefix = `/test-${randomUUID().slice(0, 8)}`;
  const auth = new ClusterAuthentication({
    clusterName: 'crd',
    types: {
      serviceAccounts: serviceAccountType,
      secrets: secretType,
      pods: podType as unknown as ResourceType,
    },
  });
  member = await startMemberApiServer({
    clusterName: 'crd',
    etcdEndpoints: [etcd.endpoint],
    etcdPrefix: `${prefix}/member`,
    auth,
  });
  kubeconfig('member', auth, member.url, member.tls.cert);
  kubeconfig('alice', auth, member.url, member.tls.cert, 'alice');
  federation = await runFederationApiServer({
    etcdEndpoints: [etcd.endpoint],
    etcdPrefix: `${prefix}/federation`,
    dashboard: false,
  });
  kubeconfig('federation', federation.auth, federation.url, federation.cert.cert);
}, 120_000);

afterAll(async () => {
  await member?.stop();
  await federation?.stop();
  await etcd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('CustomResourceDefinitions in a member', () => {
  it('serves a CRD once Established, with printer columns, short names and selectors', async () => {
    await ok('member', 'apply', '-f', file('crd.yaml', CRD));
    await ok(
      'member',
      'wait',
      '--for=condition=Established',
      'crd/widgets.example.com',
      '--timeout=30s',
    );
    const crd = JSON.parse(
      await ok('member', 'get', 'crd', 'widgets.example.com', '-o', 'json'),
    ) as {
      metadata: { finalizers?: string[] };
      status: {
        conditions: { type: string; status: string }[];
        acceptedNames: { listKind: string };
      };
    };
    expect(crd.status.conditions.map((c) => `${c.type}=${c.status}`).sort()).toEqual([
      'Established=True',
      'NamesAccepted=True',
    ]);
    expect(crd.status.acceptedNames.listKind).toBe('WidgetList');
    expect(crd.metadata.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);

    await ok('member', 'apply', '-f', widget('w1', '{image: nginx, replicas: 2}'));
    await ok('member', 'apply', '-f', widget('w2', '{image: redis}'));
    const table = await ok('member', 'get', 'widgets');
    expect(table).toMatch(/NAME\s+IMAGE\s+REPLICAS\s+AGE/);
    expect(table).toMatch(/w1\s+nginx\s+2\s+/);
    // defaulted from the schema
    expect(table).toMatch(/w2\s+redis\s+1\s+/);
    expect(await ok('member', 'get', 'wd', '-o', 'name')).toBe(
      'widget.example.com/w1\nwidget.example.com/w2\n',
    );
    expect(await ok('member', 'get', 'gadgets', '-o', 'name')).toContain('widget.example.com/w1');
    expect(
      await ok('member', 'get', 'widgets', '--field-selector', 'metadata.name=w2', '-o', 'name'),
    ).toBe('widget.example.com/w2\n');
    expect(await ok('member', 'get', 'widgets', '-l', 'app=demo', '-o', 'name')).toContain('w1');
    const resources = await ok('member', 'api-resources', '--api-group', 'example.com');
    expect(resources).toMatch(/widgets\s+wd\s+example.com\/v1\s+true\s+Widget/);
  });

  it('authorizes custom resources by group and resource', async () => {
    const denied = await kubectl('alice', 'get', 'widgets');
    expect(denied.stderr).toContain(
      'User "alice" cannot list resource "widgets" in API group "example.com"',
    );
    // (kubectl create clusterrole sends protobuf, which this server does not decode for RBAC)
    const rbac = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: widget-reader}
rules: [{apiGroups: [example.com], resources: [widgets], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-widgets, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: widget-reader}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
`;
    await ok('member', 'apply', '-f', file('rbac.yaml', rbac));
    expect(await ok('alice', 'get', 'widgets', '-o', 'name')).toContain('widget.example.com/w1');
    expect((await kubectl('alice', 'delete', 'widget', 'w2')).stderr).toContain('forbidden');
  });

  it('refuses invalid objects with 422 and the field path, and unknown fields under Strict', async () => {
    const bad = await kubectl(
      'member',
      'apply',
      '-f',
      widget('bad', '{image: x, replicas: "three"}'),
    );
    expect(bad.code).not.toBe(0);
    // kubectl's rendering of a 422 Invalid Status
    expect(bad.stderr).toContain('The Widget "bad" is invalid: ');
    expect(bad.stderr).toContain(
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    );
    const missing = await kubectl('member', 'create', '-f', widget('bad2', '{size: medium}'));
    expect(missing.stderr).toContain('spec.image: Required value');
    expect(missing.stderr).toContain('spec.size: Unsupported value: "medium"');
    const unknown = await kubectl(
      'member',
      'apply',
      '-f',
      widget('bad3', '{image: x, colour: red}'),
    );
    expect(unknown.stderr).toContain('unknown field "spec.colour"');
    // without strict validation the unknown field is pruned
    await ok(
      'member',
      'apply',
      '--validate=false',
      '-f',
      widget('pruned', '{image: x, colour: red}'),
    );
    expect(await ok('member', 'get', 'widget', 'pruned', '-o', 'jsonpath={.spec}')).toBe(
      '{"image":"x","replicas":1}',
    );
    // strategic merge patch is not served for custom resources (415), merge patch is
    const smp = await kubectl(
      'member',
      'patch',
      'widget',
      'pruned',
      '-p',
      '{"spec":{"replicas":3}}',
    );
    expect(smp.code).not.toBe(0);
    expect(smp.stderr).toContain('the body of the request was in an unknown format');
    await ok(
      'member',
      'patch',
      'widget',
      'pruned',
      '--type=merge',
      '-p',
      '{"spec":{"replicas":3}}',
    );
    await ok(
      'member',
      'patch',
      'widget',
      'pruned',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/image","value":"y"}]',
    );
    expect(
      await ok(
        'member',
        'get',
        'widget',
        'pruned',
        '-o',
        'jsonpath={.spec.image}/{.spec.replicas}',
      ),
    ).toBe('y/3');
  });

  it('serves the status and scale subresources (kubectl scale)', async () => {
    await ok(
      'member',
      'patch',
      'widget',
      'w1',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"replicas":2},"spec":{"replicas":9}}',
    );
    // status writes ignore spec; main-resource writes ignore status
    await ok('member', 'patch', 'widget', 'w1', '--type=merge', '-p', '{"status":{"replicas":7}}');
    expect(
      await ok(
        'member',
        'get',
        'widget',
        'w1',
        '-o',
        'jsonpath={.spec.replicas}/{.status.replicas}',
      ),
    ).toBe('2/2');
    await ok('member', 'scale', 'widget', 'w1', '--replicas=5');
    expect(await ok('member', 'get', 'widget', 'w1', '-o', 'jsonpath={.spec.replicas}')).toBe('5');
    const scale = JSON.parse(
      await ok(
        'member',
        'get',
        '--raw',
        '/apis/example.com/v1/namespaces/default/widgets/w1/scale',
      ),
    ) as { spec: { replicas: number }; status: { replicas: number } };
    expect(scale).toMatchObject({ spec: { replicas: 5 }, status: { replicas: 2 } });
  });

  it('kubectl explain reads the CRD schema', async () => {
    const out = await ok('member', 'explain', 'widgets.spec');
    expect(out).toContain('KIND:       Widget');
    expect(out).toContain('GROUP:      example.com');
    expect(out).toMatch(/replicas\s+<integer>/);
    expect(out).toMatch(/image\s+<string> -required-/);
    expect(out).toContain('How many widgets.');
  });

  it('deleting the CRD removes its objects and its discovery entry', async () => {
    await ok('member', 'delete', 'crd', 'widgets.example.com', '--timeout=60s');
    const raw = await kubectl('member', 'get', '--raw', '/apis/example.com/v1');
    expect(raw.code).not.toBe(0);
    expect(await ok('member', 'get', '--raw', '/apis')).not.toContain('example.com');
    // a new CRD of the same name starts empty
    await ok('member', 'apply', '-f', file('crd.yaml', CRD));
    await ok(
      'member',
      'wait',
      '--for=condition=Established',
      'crd/widgets.example.com',
      '--timeout=30s',
    );
    const left = await kubectl('member', 'get', 'widgets', '-A', '-o', 'name');
    expect(left.stdout).toBe('');
    await ok('member', 'delete', 'crd', 'widgets.example.com');
  });
});

describe('CustomResourceDefinitions in the federation', () => {
  it('serves a CRD and its objects', async () => {
    await ok('federation', 'apply', '-f', file('fcrd.yaml', CRD));
    await ok(
      'federation',
      'wait',
      '--for=condition=Established',
      'crd/widgets.example.com',
      '--timeout=30s',
    );
    await ok('federation', 'apply', '-f', widget('fw', '{image: nginx, replicas: 4}'));
    expect(await ok('federation', 'get', 'widgets')).toMatch(/fw\s+nginx\s+4\s+/);
  });
});

/**
 * Member rows of the kubectl workflow table, part one: get in every output format and watch,
 * discovery and explain, and create of every served kind.
 */
import { IMAGE, NODE } from '../../support/kubectl-workflow-env.js';
import type { Workflow } from '../../support/kubectl-workflow-table.js';
import { configMap } from './manifests.js';

const apply = (yaml: string, ...more: string[]): { args: string[]; stdin: string } => ({
  args: ['apply', '-f', '-', ...more],
  stdin: yaml,
});

const getRows: Workflow[] = [
  { name: 'get -o json', args: ['get', 'cm', 'seed', '-o', 'json'], stdout: ['"name": "seed"'] },
  { name: 'get -o yaml', args: ['get', 'cm', 'seed', '-o', 'yaml'], stdout: [/^ {2}name: seed$/m] },
  {
    name: 'get -o wide (pods: IP and NODE columns)',
    args: ['get', 'pod', 'web', '-o', 'wide'],
    stdout: [/NODE/, new RegExp(`web\\s+1/1\\s+Running.*127\\.\\d+\\.\\d+\\.\\d+\\s+${NODE}`)],
  },
  {
    name: 'get -o name',
    args: ['get', 'cm', '-l', 'tier=seed', '-o', 'name'],
    stdout: [/^configmap\/seed\n$/],
  },
  {
    name: 'get -o jsonpath',
    args: ['get', 'cm', 'seed', '-o', 'jsonpath={.data.a}'],
    stdout: [/^b$/],
  },
  {
    name: 'get -o custom-columns',
    args: ['get', 'cm', 'seed', '-o', 'custom-columns=NAME:.metadata.name,A:.data.a'],
    stdout: [/^NAME\s+A\nseed\s+b\n$/],
  },
  {
    name: 'get -o go-template',
    args: ['get', 'cm', 'seed', '-o', 'go-template={{.metadata.name}}={{.data.a}}'],
    stdout: [/^seed=b$/],
  },
  { name: 'get nodes', args: ['get', 'nodes'], stdout: [new RegExp(`${NODE}\\s+Ready`)] },
  { name: 'get all', args: ['get', 'all'], stdout: ['pod/web'] },
  {
    name: 'get --show-labels',
    args: ['get', 'cm', 'seed', '--show-labels'],
    stdout: ['tier=seed'],
  },
  {
    name: 'get --raw',
    args: ['get', '--raw', '/api/v1/namespaces/kw/configmaps/seed'],
    stdout: ['"kind":"ConfigMap"'],
  },
  {
    name: 'get -w sees an event (stopped after it)',
    args: ['get', 'cm', '-l', 'watch=me', '-w', '--watch-only', '-o', 'name'],
    during: [apply(configMap('watched', { a: '1' }).replace('made-by: kwf', 'watch: me'))],
    until: /configmap\/watched/,
    timeoutMs: 30_000,
    stdout: ['configmap/watched'],
  },
  {
    name: 'get events of a pod',
    args: ['get', 'events', '--field-selector', 'involvedObject.name=web'],
    stdout: ['Scheduled', 'Started'],
  },
  {
    name: 'get events.events.k8s.io of a pod (the same Events, events.k8s.io/v1 field names)',
    args: [
      'get',
      'events.events.k8s.io',
      '--field-selector',
      'regarding.name=web',
      '-o',
      'jsonpath={range .items[*]}{.reason} {.regarding.kind} {.reportingController}{"\\n"}{end}',
    ],
    stdout: [/^Scheduled Pod \S+$/m, /^Started Pod kubelet$/m],
  },
  {
    name: 'events (kubectl events) of a pod',
    args: ['events', '--for', 'pod/web'],
    stdout: [/Normal\s+Scheduled\s+Pod\/web/, /Normal\s+Started\s+Pod\/web/],
  },
  { name: 'api-resources', args: ['api-resources'], stdout: [/^deployments\s+deploy\s+apps\/v1/m] },
  { name: 'api-versions', args: ['api-versions'], stdout: [/^apps\/v1$/m, /^batch\/v1$/m] },
  { name: 'version', args: ['version'], stdout: [/Server Version: v1\.32/] },
  { name: 'top node (metrics.k8s.io)', args: ['top', 'node'], stdout: [NODE] },
  {
    name: 'explain a field path',
    args: ['explain', 'deployment.spec.replicas'],
    stdout: ['KIND:       Deployment', 'FIELD: replicas <integer>'],
  },
  { name: 'explain pods', args: ['explain', 'pods'], stdout: ['KIND:       Pod', 'FIELDS:'] },
];

const createRows: Workflow[] = [
  {
    name: 'create namespace',
    args: ['create', 'namespace', 'kwf-ns-1'],
    stdout: ['namespace/kwf-ns-1 created'],
  },
  {
    name: 'create configmap --from-literal',
    args: ['create', 'configmap', 'c-lit', '--from-literal=k=v'],
    stdout: ['configmap/c-lit created'],
    check: async (_r, t) => {
      t.expect((await t.kubectl(['get', 'cm', 'c-lit', '-o', 'jsonpath={.data.k}'])).stdout).toBe(
        'v',
      );
    },
  },
  {
    name: 'create configmap --from-file',
    setup: [['create', 'configmap', 'c-src', '--from-literal=x=1']],
    args: ['create', 'configmap', 'c-file', '--from-file=kubeconfig-ish=$DIR/kubeconfig'],
    stdout: ['configmap/c-file created'],
  },
  {
    name: 'create secret generic',
    args: ['create', 'secret', 'generic', 's-gen', '--from-literal=password=s3cret'],
    stdout: ['secret/s-gen created'],
    check: async (_r, t) => {
      const b64 = (await t.kubectl(['get', 'secret', 's-gen', '-o', 'jsonpath={.data.password}']))
        .stdout;
      t.expect(Buffer.from(b64, 'base64').toString()).toBe('s3cret');
    },
  },
  {
    name: 'create secret docker-registry',
    args: [
      'create',
      'secret',
      'docker-registry',
      's-reg',
      '--docker-server=127.0.0.1:5000',
      '--docker-username=u',
      '--docker-password=p',
    ],
    stdout: ['secret/s-reg created'],
  },
  {
    name: 'create deployment',
    args: ['create', 'deployment', 'd-create', `--image=${IMAGE}`, '--replicas=2'],
    stdout: ['deployment.apps/d-create created'],
  },
  {
    name: 'create service clusterip',
    args: ['create', 'service', 'clusterip', 'svc-ip', '--tcp=80:8080'],
    stdout: ['service/svc-ip created'],
    check: async (_r, t) => {
      const ip = await t.kubectl(['get', 'svc', 'svc-ip', '-o', 'jsonpath={.spec.clusterIP}']);
      t.expect(ip.stdout).toMatch(/^10\.96\.\d+\.\d+$/);
    },
  },
  {
    name: 'create service nodeport',
    args: ['create', 'service', 'nodeport', 'svc-np', '--tcp=80:8080'],
    stdout: ['service/svc-np created'],
    check: async (_r, t) => {
      const port = await t.kubectl([
        'get',
        'svc',
        'svc-np',
        '-o',
        'jsonpath={.spec.ports[0].nodePort}',
      ]);
      t.expect(Number(port.stdout)).toBeGreaterThanOrEqual(30000);
    },
  },
  {
    name: 'create job, wait --for=condition=complete',
    setup: [['create', 'job', 'j-create', `--image=${IMAGE}`, '--', 'echo', 'job-done']],
    args: ['wait', '--for=condition=complete', 'job/j-create', '--timeout=90s'],
    stdout: ['job.batch/j-create condition met'],
    check: async (_r, t) => {
      t.expect((await t.kubectl(['logs', 'job/j-create'])).stdout).toBe('job-done\n');
    },
  },
  {
    name: 'create cronjob',
    args: [
      'create',
      'cronjob',
      'cj-create',
      `--image=${IMAGE}`,
      '--schedule=*/30 * * * *',
      '--',
      'echo',
      'hi',
    ],
    stdout: ['cronjob.batch/cj-create created'],
  },
  {
    name: 'create job --from=cronjob',
    setup: [
      ['create', 'cronjob', 'cj-src', `--image=${IMAGE}`, '--schedule=0 0 1 1 *', '--', 'true'],
    ],
    args: ['create', 'job', 'j-from-cj', '--from=cronjob/cj-src'],
    stdout: ['job.batch/j-from-cj created'],
    check: async (_r, t) => {
      const owner = await t.kubectl([
        'get',
        'job',
        'j-from-cj',
        '-o',
        'jsonpath={.metadata.ownerReferences[0].kind}',
      ]);
      t.expect(owner.stdout).toBe('CronJob');
    },
  },
  {
    name: 'create serviceaccount',
    args: ['create', 'serviceaccount', 'sa-create'],
    stdout: ['serviceaccount/sa-create created'],
  },
  {
    name: 'create token',
    setup: [['create', 'serviceaccount', 'sa-token']],
    args: ['create', 'token', 'sa-token'],
    stdout: [/^ey[\w-]+\.[\w-]+\.[\w-]+\n?$/],
  },
  {
    name: 'create role (protobuf body)',
    args: ['create', 'role', 'r-typed', '--verb=get,list', '--resource=pods'],
    stdout: ['role.rbac.authorization.k8s.io/r-typed created'],
    check: async (_r, t) => {
      const r = await t.kubectl(['get', 'role', 'r-typed', '-o', 'jsonpath={.rules[0].verbs}']);
      t.expect(r.stdout).toBe('["get","list"]');
    },
  },
  {
    name: 'create rolebinding (protobuf body), the user may then list pods',
    setup: [['create', 'role', 'r-viewer', '--verb=list', '--resource=pods']],
    args: ['create', 'rolebinding', 'rb-viewer', '--role=r-viewer', '--user=carol'],
    stdout: ['rolebinding.rbac.authorization.k8s.io/rb-viewer created'],
    check: async (_r, t) => {
      const can = await t.kubectl(['auth', 'can-i', 'list', 'pods', '--as=carol']);
      t.expect(can.stdout).toBe('yes\n');
    },
  },
  {
    name: 'create clusterrole (protobuf body)',
    args: ['create', 'clusterrole', 'kwf-cr-typed', '--verb=get', '--resource=nodes'],
    stdout: ['clusterrole.rbac.authorization.k8s.io/kwf-cr-typed created'],
  },
  {
    name: 'create clusterrolebinding (protobuf body)',
    args: [
      'create',
      'clusterrolebinding',
      'kwf-crb-typed',
      '--clusterrole=view',
      '--group=kwf-readers',
    ],
    stdout: ['clusterrolebinding.rbac.authorization.k8s.io/kwf-crb-typed created'],
  },
  {
    name: 'create poddisruptionbudget (protobuf body)',
    args: [
      'create',
      'poddisruptionbudget',
      'pdb-typed',
      '--selector=app=pdb-typed',
      '--min-available=1',
    ],
    stdout: ['poddisruptionbudget.policy/pdb-typed created'],
    check: async (_r, t) => {
      const m = await t.kubectl(['get', 'pdb', 'pdb-typed', '-o', 'jsonpath={.spec.minAvailable}']);
      t.expect(m.stdout).toBe('1');
    },
  },
  {
    name: 'create -f (Role, RoleBinding, ClusterRole)',
    args: ['create', '-f', '-'],
    stdin: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r-create, namespace: kw}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb-create, namespace: kw}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r-create}
subjects: [{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kwf-cr-create}
rules: [{apiGroups: [""], resources: [nodes], verbs: [get]}]
`,
    stdout: [
      'role.rbac.authorization.k8s.io/r-create created',
      'rolebinding.rbac.authorization.k8s.io/rb-create created',
      'clusterrole.rbac.authorization.k8s.io/kwf-cr-create created',
    ],
  },
  {
    name: 'create -f (StatefulSet, DaemonSet, PodDisruptionBudget, Ingress, Lease)',
    args: ['create', '-f', '-'],
    stdin: `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: sts-create, namespace: kw}
spec:
  replicas: 0
  serviceName: sts-create
  selector: {matchLabels: {app: sts-create}}
  template: {metadata: {labels: {app: sts-create}}, spec: {containers: [{name: c, image: "${IMAGE}"}]}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds-create, namespace: kw}
spec:
  selector: {matchLabels: {app: ds-create}}
  template:
    metadata: {labels: {app: ds-create}}
    spec: {nodeSelector: {no-such: node}, containers: [{name: c, image: "${IMAGE}"}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pdb-create, namespace: kw}
spec: {minAvailable: 1, selector: {matchLabels: {app: pdb}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ing-create, namespace: kw}
spec:
  rules: [{host: a.example, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: lease-create, namespace: kw}
spec: {holderIdentity: me, leaseDurationSeconds: 10}
`,
    stdout: [
      'statefulset.apps/sts-create created',
      'daemonset.apps/ds-create created',
      'poddisruptionbudget.policy/pdb-create created',
      'ingress.networking.k8s.io/ing-create created',
      'lease.coordination.k8s.io/lease-create created',
    ],
  },
  {
    name: 'create ingress (protobuf) and get -o yaml shows the rule',
    args: ['create', 'ingress', 'ing-rule', '--rule=a.example/p=web:8080'],
    stdout: ['ingress.networking.k8s.io/ing-rule created'],
    check: async (_r, t) => {
      const y = (await t.kubectl(['get', 'ingress', 'ing-rule', '-o', 'yaml'])).stdout;
      for (const line of ['host: a.example', 'path: /p', 'pathType: Exact', 'name: web']) {
        t.expect(y).toContain(line);
      }
      t.expect(y).toMatch(/port:\s+number: 8080/);
    },
  },
  {
    name: 'create --dry-run=client -o yaml',
    args: ['create', 'deployment', 'd-dry', `--image=${IMAGE}`, '--dry-run=client', '-o', 'yaml'],
    stdout: [/^kind: Deployment$/m],
    check: async (_r, t) => {
      t.expect((await t.kubectl(['get', 'deploy', 'd-dry'])).stderr).toMatch(/NotFound/);
    },
  },
  {
    name: 'create --dry-run=server',
    args: ['create', 'configmap', 'c-dry', '--from-literal=a=1', '--dry-run=server'],
    stdout: ['configmap/c-dry created (server dry run)'],
    check: async (_r, t) => {
      t.expect((await t.kubectl(['get', 'cm', 'c-dry'])).stderr).toMatch(/NotFound/);
    },
  },
];
/** The get and create rows. */
export const memberReadRows: Workflow[] = [...getRows, ...createRows];

/**
 * Member rows of the kubectl workflow table, part two: apply (client- and server-side, a conflict,
 * --force-conflicts), diff, patch, edit, label/annotate, and bad input of each kind with the
 * class of its error.
 */
import { IMAGE } from '../../support/kubectl-workflow-env.js';
import type { Workflow } from '../../support/kubectl-workflow-table.js';
import { configMap } from './manifests.js';

const apply = (yaml: string, ...more: string[]): { args: string[]; stdin: string } => ({
  args: ['apply', '-f', '-', ...more],
  stdin: yaml,
});
const applyRows: Workflow[] = [
  {
    name: 'apply (client-side) creates',
    args: ['apply', '-f', '-'],
    stdin: configMap('ap-new', { a: '1' }),
    stdout: ['configmap/ap-new created'],
  },
  {
    name: 'apply again is unchanged',
    setup: [apply(configMap('ap-same', { a: '1' }))],
    args: ['apply', '-f', '-'],
    stdin: configMap('ap-same', { a: '1' }),
    stdout: ['configmap/ap-same unchanged'],
  },
  {
    name: 'apply a change is configured',
    setup: [apply(configMap('ap-chg', { a: '1' }))],
    args: ['apply', '-f', '-'],
    stdin: configMap('ap-chg', { a: '2' }),
    stdout: ['configmap/ap-chg configured'],
  },
  {
    name: 'apply --server-side',
    args: ['apply', '--server-side', '-f', '-'],
    stdin: configMap('ap-ssa', { a: '1' }),
    stdout: ['configmap/ap-ssa serverside-applied'],
    check: async (_r, t) => {
      const m = await t.kubectl([
        'get',
        'cm',
        'ap-ssa',
        '--show-managed-fields',
        '-o',
        'jsonpath={.metadata.managedFields[0].operation}',
      ]);
      t.expect(m.stdout).toBe('Apply');
    },
  },
  {
    name: 'apply --server-side conflict (another manager)',
    setup: [apply(configMap('ap-conf', { a: '1' }), '--server-side')],
    args: ['apply', '--server-side', '--field-manager=other', '-f', '-'],
    stdin: configMap('ap-conf', { a: '2' }),
    code: 1,
    stderr: ['Apply failed with 1 conflict: conflict with "kubectl": .data.a', '--force-conflicts'],
  },
  {
    name: 'apply --server-side --force-conflicts',
    setup: [apply(configMap('ap-force', { a: '1' }), '--server-side')],
    args: ['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'],
    stdin: configMap('ap-force', { a: '2' }),
    stdout: ['configmap/ap-force serverside-applied'],
    check: async (_r, t) => {
      t.expect(
        (await t.kubectl(['get', 'cm', 'ap-force', '-o', 'jsonpath={.data.a}'])).stdout,
      ).toBe('2');
    },
  },
  {
    name: 'diff without changes exits 0',
    setup: [apply(configMap('df-same', { a: '1' }))],
    args: ['diff', '-f', '-'],
    stdin: configMap('df-same', { a: '1' }),
    stdout: [/^$/],
  },
  {
    name: 'diff with a change exits 1 and shows it',
    setup: [apply(configMap('df-chg', { a: '1' }))],
    args: ['diff', '-f', '-'],
    stdin: configMap('df-chg', { a: '2' }),
    code: 1,
    stdout: [/^-\s+a: "1"$/m, /^\+\s+a: "2"$/m],
  },
  {
    name: 'patch (strategic: containers merge by name)',
    setup: [['create', 'deployment', 'pt-sm', `--image=${IMAGE}`]],
    args: [
      'patch',
      'deployment',
      'pt-sm',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"busybox","env":[{"name":"A","value":"1"}]}]}}}}',
    ],
    stdout: ['deployment.apps/pt-sm patched'],
    check: async (_r, t) => {
      const c = await t.kubectl([
        'get',
        'deploy',
        'pt-sm',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].env[0].value}',
      ]);
      t.expect(c.stdout).toBe(`${IMAGE} 1`);
    },
  },
  {
    name: 'patch --type=merge',
    setup: [['create', 'configmap', 'pt-merge', '--from-literal=a=1']],
    args: ['patch', 'cm', 'pt-merge', '--type=merge', '-p', '{"data":{"b":"2"}}'],
    stdout: ['configmap/pt-merge patched'],
    check: async (_r, t) => {
      t.expect((await t.kubectl(['get', 'cm', 'pt-merge', '-o', 'jsonpath={.data}'])).stdout).toBe(
        '{"a":"1","b":"2"}',
      );
    },
  },
  {
    name: 'patch --type=json',
    setup: [['create', 'configmap', 'pt-json', '--from-literal=a=1']],
    args: [
      'patch',
      'cm',
      'pt-json',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/data/a","value":"3"}]',
    ],
    stdout: ['configmap/pt-json patched'],
    check: async (_r, t) => {
      t.expect((await t.kubectl(['get', 'cm', 'pt-json', '-o', 'jsonpath={.data.a}'])).stdout).toBe(
        '3',
      );
    },
  },
  {
    name: 'edit with a scripted editor',
    setup: [['create', 'configmap', 'ed-cm', '--from-literal=colour=red']],
    args: ['edit', 'cm', 'ed-cm'],
    env: { KUBE_EDITOR: 'sed -i s/colour:\\ red/colour:\\ blue/' },
    stdout: ['configmap/ed-cm edited'],
    check: async (_r, t) => {
      t.expect(
        (await t.kubectl(['get', 'cm', 'ed-cm', '-o', 'jsonpath={.data.colour}'])).stdout,
      ).toBe('blue');
    },
  },
  {
    name: 'edit without a change is cancelled',
    args: ['edit', 'cm', 'seed'],
    env: { KUBE_EDITOR: 'true' },
    stderr: ['Edit cancelled, no changes made.'],
  },
  {
    name: 'label',
    setup: [['create', 'configmap', 'lb-cm']],
    args: ['label', 'cm', 'lb-cm', 'env=prod'],
    stdout: ['configmap/lb-cm labeled'],
    check: async (_r, t) => {
      t.expect((await t.kubectl(['get', 'cm', '-l', 'env=prod', '-o', 'name'])).stdout).toContain(
        'configmap/lb-cm',
      );
    },
  },
  {
    name: 'label an existing key without --overwrite fails',
    args: ['label', 'cm', 'seed', 'tier=other'],
    code: 1,
    stderr: ["'tier' already has a value (seed), and --overwrite is false"],
  },
  {
    name: 'label key- removes it',
    setup: [
      ['create', 'configmap', 'lb-rm'],
      ['label', 'cm', 'lb-rm', 'x=1'],
    ],
    args: ['label', 'cm', 'lb-rm', 'x-'],
    stdout: ['configmap/lb-rm unlabeled'],
  },
  {
    name: 'annotate',
    setup: [['create', 'configmap', 'an-cm']],
    args: ['annotate', 'cm', 'an-cm', 'note=hello'],
    stdout: ['configmap/an-cm annotated'],
    check: async (_r, t) => {
      t.expect(
        (await t.kubectl(['get', 'cm', 'an-cm', '-o', 'jsonpath={.metadata.annotations.note}']))
          .stdout,
      ).toBe('hello');
    },
  },
];

/** A Deployment (no replicas) whose container has the unknown field `bogus`. */
const bogusContainer = (name: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 0
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: "${IMAGE}", bogus: 1}]}
`;

const badInputRows: Workflow[] = [
  {
    name: 'unknown field under --validate=strict names its path',
    args: ['create', '--validate=strict', '-f', '-'],
    stdin: `apiVersion: apps/v1
kind: Deployment
metadata: {name: bad-field}
spec:
  replicass: 1
  selector: {matchLabels: {a: b}}
  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: x}]}}
`,
    code: 1,
    stderr: [
      'Error from server (BadRequest)',
      'strict decoding error: unknown field "spec.replicass"',
    ],
  },
  {
    name: 'unknown container field under --validate=strict names its path',
    args: ['apply', '--validate=strict', '-f', '-'],
    stdin: bogusContainer('bad-ctr-strict'),
    code: 1,
    stderr: [
      'Error from server (BadRequest)',
      'strict decoding error: unknown field "spec.template.spec.containers[0].bogus"',
    ],
  },
  {
    name: 'unknown container field under --validate=warn is a warning',
    args: ['apply', '--validate=warn', '-f', '-'],
    stdin: bogusContainer('bad-ctr-warn'),
    stdout: ['deployment.apps/bad-ctr-warn created'],
    stderr: ['Warning: unknown field "spec.template.spec.containers[0].bogus"'],
  },
  {
    name: 'invalid name is 422 Invalid',
    args: ['create', 'configmap', 'Bad_Name'],
    code: 1,
    stderr: ['ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"'],
  },
  {
    name: 'a missing namespace is NotFound',
    args: ['create', 'configmap', 'x', '-n', 'kwf-missing'],
    code: 1,
    stderr: ['namespaces "kwf-missing" not found'],
  },
  {
    name: 'a missing object is NotFound',
    args: ['get', 'cm', 'kwf-nope'],
    code: 1,
    stderr: ['Error from server (NotFound): configmaps "kwf-nope" not found'],
  },
  {
    name: 'get --ignore-not-found',
    args: ['get', 'cm', 'kwf-nope', '--ignore-not-found'],
    stdout: [/^$/],
  },
  {
    name: 'an unknown resource type',
    args: ['get', 'foos'],
    code: 1,
    stderr: ['the server doesn\'t have a resource type "foos"'],
  },
  {
    name: 'an existing name is AlreadyExists',
    args: ['create', 'configmap', 'seed'],
    code: 1,
    stderr: ['configmaps "seed" already exists'],
  },
  {
    name: 'a stale update is Conflict',
    setup: [['create', 'configmap', 'stale']],
    args: ['annotate', 'cm', 'stale', 'b=2', '--resource-version=1'],
    code: 1,
    stderr: ['Error from server (Conflict)', 'the object has been modified'],
  },
  {
    name: 'a user without a role is Forbidden',
    context: 'member-viewer',
    args: ['get', 'pods'],
    code: 1,
    stderr: [
      'Error from server (Forbidden): pods is forbidden: User "viewer" cannot list resource "pods"',
    ],
  },
  {
    name: 'auth can-i (no) for a user without a role',
    context: 'member-viewer',
    args: ['auth', 'can-i', 'list', 'pods'],
    code: 1,
    stdout: [/^no$/m],
  },
  {
    name: 'auth can-i (yes) for the admin',
    args: ['auth', 'can-i', 'delete', 'pods'],
    stdout: [/^yes$/m],
  },
  {
    name: 'malformed YAML',
    args: ['apply', '-f', '-'],
    stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n',
    code: 1,
    stderr: [/error (parsing|converting YAML)/],
  },
];
/** The apply, patch, edit, label and bad-input rows. */
export const memberWriteRows: Workflow[] = [...applyRows, ...badInputRows];

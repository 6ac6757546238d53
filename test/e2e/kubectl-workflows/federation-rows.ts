/**
 * Federation rows of the kubectl workflow table: get/create/apply/patch/delete of ordinary
 * objects, discovery and explain, rollout status of a propagated Deployment, and events.
 * (Rollout history/undo at the federation is not served yet and is not in the table.)
 */
import type { Workflow } from '../../support/kubectl-workflow-table.js';
import { configMap } from './manifests.js';

const F = 'federation' as const;

/** A Deployment `name` and a PropagationPolicy placing it on the member kwf-fed-1. */
function propagated(name: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: "busybox:1.36"}]}
---
apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata: {name: ${name}, namespace: default}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: ${name}}]
  placement: {clusterAffinity: {clusterNames: [kwf-fed-1]}}
`;
}

/** The federation rows (concurrent with the member rows). */
export const federationRows: Workflow[] = [
  {
    name: 'federation: get clusters -o wide',
    context: F,
    args: ['get', 'clusters', '-o', 'wide'],
    stdout: [/^kwf-fed-1\s+True\s+Push/m],
  },
  {
    name: 'federation: get cluster -o jsonpath',
    context: F,
    args: [
      'get',
      'cluster',
      'kwf-fed-1',
      '-o',
      'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
    ],
    stdout: [/^True$/],
  },
  {
    name: 'federation: create namespace',
    context: F,
    args: ['create', 'namespace', 'kwf-fed-ns'],
    stdout: ['namespace/kwf-fed-ns created'],
  },
  {
    name: 'federation: create configmap, get -o yaml',
    context: F,
    setup: [['create', 'configmap', 'f-cm', '--from-literal=a=1']],
    args: ['get', 'cm', 'f-cm', '-o', 'yaml'],
    stdout: [/^ {2}a: "1"$/m, /^ {2}name: f-cm$/m],
  },
  {
    name: 'federation: create secret generic',
    context: F,
    args: ['create', 'secret', 'generic', 'f-secret', '--from-literal=k=v'],
    stdout: ['secret/f-secret created'],
  },
  {
    name: 'federation: apply creates',
    context: F,
    args: ['apply', '-f', '-'],
    stdin: configMap('f-ap', { a: '1' }, 'default'),
    stdout: ['configmap/f-ap created'],
  },
  {
    name: 'federation: apply a change is configured',
    context: F,
    setup: [{ args: ['apply', '-f', '-'], stdin: configMap('f-ap2', { a: '1' }, 'default') }],
    args: ['apply', '-f', '-'],
    stdin: configMap('f-ap2', { a: '2' }, 'default'),
    stdout: ['configmap/f-ap2 configured'],
  },
  {
    name: 'federation: apply --server-side',
    context: F,
    args: ['apply', '--server-side', '-f', '-'],
    stdin: configMap('f-ssa', { a: '1' }, 'default'),
    stdout: ['configmap/f-ssa serverside-applied'],
  },
  {
    name: 'federation: diff shows a change',
    context: F,
    setup: [{ args: ['apply', '-f', '-'], stdin: configMap('f-diff', { a: '1' }, 'default') }],
    args: ['diff', '-f', '-'],
    stdin: configMap('f-diff', { a: '2' }, 'default'),
    code: 1,
    stdout: [/^\+\s+a: "2"$/m],
  },
  {
    name: 'federation: patch --type=merge',
    context: F,
    setup: [['create', 'configmap', 'f-pm', '--from-literal=a=1']],
    args: ['patch', 'cm', 'f-pm', '--type=merge', '-p', '{"data":{"b":"2"}}'],
    stdout: ['configmap/f-pm patched'],
    check: async (_r, t) => {
      t.expect((await t.kubectl(['get', 'cm', 'f-pm', '-o', 'jsonpath={.data.b}'])).stdout).toBe(
        '2',
      );
    },
  },
  {
    name: 'federation: patch --type=json',
    context: F,
    setup: [['create', 'configmap', 'f-pj', '--from-literal=a=1']],
    args: ['patch', 'cm', 'f-pj', '--type=json', '-p', '[{"op":"remove","path":"/data/a"}]'],
    stdout: ['configmap/f-pj patched'],
  },
  {
    name: 'federation: label',
    context: F,
    setup: [['create', 'configmap', 'f-lb']],
    args: ['label', 'cm', 'f-lb', 'team=a'],
    stdout: ['configmap/f-lb labeled'],
  },
  {
    name: 'federation: delete',
    context: F,
    setup: [['create', 'configmap', 'f-del']],
    args: ['delete', 'cm', 'f-del'],
    stdout: ['configmap "f-del" deleted'],
  },
  {
    name: 'federation: api-resources lists the federation kinds',
    context: F,
    args: ['api-resources'],
    stdout: [
      /^clusters\s+fcl\s+cluster\.flotilla\.io\/v1alpha1\s+false\s+Cluster$/m,
      /^propagationpolicies\s+pp\s+policy\.flotilla\.io\/v1alpha1/m,
    ],
  },
  {
    name: 'federation: explain propagationpolicy',
    context: F,
    args: ['explain', 'propagationpolicy'],
    stdout: ['GROUP:      policy.flotilla.io', 'KIND:       PropagationPolicy'],
  },
  {
    name: 'federation: explain deployment.spec.replicas',
    context: F,
    args: ['explain', 'deployment.spec.replicas'],
    stdout: ['FIELD: replicas <integer>'],
  },
  {
    name: 'federation: rollout status of a propagated Deployment',
    context: F,
    setup: [{ args: ['apply', '-f', '-'], stdin: propagated('f-web') }],
    args: ['rollout', 'status', 'deployment/f-web', '--timeout=90s'],
    stdout: ['deployment "f-web" successfully rolled out'],
  },
  {
    name: 'federation: get events (ClusterReady)',
    context: F,
    args: ['get', 'events', '--field-selector', 'involvedObject.name=kwf-fed-1'],
    stdout: [/Normal\s+ClusterReady\s+cluster\/kwf-fed-1/],
  },
  {
    name: 'federation: get events.events.k8s.io (ClusterReady, events.k8s.io/v1 field names)',
    context: F,
    args: [
      'get',
      'events.events.k8s.io',
      '--field-selector',
      'regarding.name=kwf-fed-1',
      '-o',
      'jsonpath={range .items[*]}{.reason} {.regarding.kind}/{.regarding.name}{"\\n"}{end}',
    ],
    stdout: [/^ClusterReady Cluster\/kwf-fed-1$/m],
  },
  {
    name: 'federation: events (kubectl events)',
    context: F,
    args: ['events'],
    stdout: [/Normal\s+ClusterReady\s+Cluster\/kwf-fed-1/],
  },
  {
    name: 'federation: unknown resource type',
    context: F,
    args: ['get', 'foos'],
    code: 1,
    stderr: ['the server doesn\'t have a resource type "foos"'],
  },
  {
    name: 'federation: missing object is NotFound',
    context: F,
    args: ['get', 'cm', 'f-nope'],
    code: 1,
    stderr: ['Error from server (NotFound): configmaps "f-nope" not found'],
  },
  {
    name: 'federation: invalid name is Invalid',
    context: F,
    args: ['create', 'configmap', 'Bad_Name'],
    code: 1,
    stderr: ['ConfigMap "Bad_Name" is invalid'],
  },
];

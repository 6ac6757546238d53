/**
 * Member rows for scheduling.k8s.io/v1 PriorityClass and core/v1 ResourceQuota: the typed creates
 * (`kubectl create priorityclass|quota` post protobuf), Priority admission giving a pod its
 * class's value, and ResourceQuota admission refusing a create beyond the quota. Each row works in
 * a namespace of its own (`kwf-pol-*`) and cluster-scoped names of its own; the pods never run
 * (a node selector no node has), so no row starts a container.
 */
import { IMAGE } from '../../support/kubectl-workflow-env.js';
import type { Step, Workflow } from '../../support/kubectl-workflow-table.js';

/** A pod that stays Pending (no node matches), optionally of a class and with requests. */
function pendingPod(
  name: string,
  ns: string,
  opts: { priorityClassName?: string; cpu?: string } = {},
): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}}
spec:
  nodeSelector: {kwf-no-such-node: "true"}
${opts.priorityClassName ? `  priorityClassName: ${opts.priorityClassName}\n` : ''}  containers:
  - name: main
    image: "${IMAGE}"
${opts.cpu ? `    resources: {requests: {cpu: "${opts.cpu}"}}\n` : ''}`;
}

const applyStep = (yaml: string): Step => ({ args: ['apply', '-f', '-'], stdin: yaml });

/** The rows of this file. */
export const memberPolicyRows: Workflow[] = [
  {
    name: 'create priorityclass',
    args: ['create', 'priorityclass', 'high', '--value=1000', '--description=x'],
    stdout: ['priorityclass.scheduling.k8s.io/high created'],
    check: async (_r, t) => {
      const got = await t.kubectl([
        'get',
        'priorityclass',
        'high',
        '-o',
        'jsonpath={.value} {.description} {.preemptionPolicy}',
      ]);
      t.expect(got.stdout).toBe('1000 x PreemptLowerPriority');
    },
  },
  {
    name: 'get priorityclass lists the system classes',
    args: ['get', 'priorityclass'],
    stdout: [
      /system-cluster-critical +2000000000 +false/,
      /system-node-critical +2000001000 +false/,
    ],
  },
  {
    name: 'create priorityclass above the user maximum is Invalid',
    args: ['create', 'priorityclass', 'kwf-pol-too-high', '--value=1000000001'],
    code: 1,
    stderr: ['is invalid', 'maximum allowed value of a user defined priority is 1000000000'],
  },
  {
    name: 'a pod of a priority class gets its priority',
    setup: [
      ['create', 'namespace', 'kwf-pol-pc'],
      ['create', 'priorityclass', 'kwf-pol-500', '--value=500', '--preemption-policy=Never'],
      applyStep(pendingPod('pc-pod', 'kwf-pol-pc', { priorityClassName: 'kwf-pol-500' })),
    ],
    args: [
      'get',
      'pod',
      'pc-pod',
      '-n',
      'kwf-pol-pc',
      '-o',
      'jsonpath={.spec.priority} {.spec.preemptionPolicy}',
    ],
    stdout: [/^500 Never$/],
  },
  {
    name: 'a pod of an unknown priority class is Forbidden',
    args: ['apply', '-f', '-'],
    stdin: pendingPod('pc-unknown', 'kw', { priorityClassName: 'kwf-pol-none' }),
    code: 1,
    stderr: [
      'Error from server (Forbidden)',
      'pods "pc-unknown" is forbidden: no PriorityClass with name kwf-pol-none was found',
    ],
  },
  {
    name: 'create quota, then a create beyond it exceeds quota',
    setup: [
      ['create', 'namespace', 'kwf-pol-q'],
      ['create', 'quota', 'q', '--hard=pods=1,configmaps=2', '-n', 'kwf-pol-q'],
      ['create', 'configmap', 'c1', '-n', 'kwf-pol-q'],
      ['create', 'configmap', 'c2', '-n', 'kwf-pol-q'],
    ],
    args: ['create', 'configmap', 'c3', '-n', 'kwf-pol-q'],
    code: 1,
    stderr: [
      'configmaps "c3" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=2, limited: configmaps=2',
    ],
  },
  {
    name: 'a pod beyond a pods quota is Forbidden',
    setup: [
      ['create', 'namespace', 'kwf-pol-qp'],
      ['create', 'quota', 'qp', '--hard=pods=1', '-n', 'kwf-pol-qp'],
      applyStep(pendingPod('p1', 'kwf-pol-qp')),
    ],
    args: ['apply', '-f', '-'],
    stdin: pendingPod('p2', 'kwf-pol-qp'),
    code: 1,
    stderr: [
      'Error from server (Forbidden)',
      'pods "p2" is forbidden: exceeded quota: qp, requested: pods=1, used: pods=1, limited: pods=1',
    ],
  },
  {
    name: 'a pod without the cpu request a quota limits is Forbidden',
    setup: [
      ['create', 'namespace', 'kwf-pol-qc'],
      ['create', 'quota', 'qc', '--hard=requests.cpu=1', '-n', 'kwf-pol-qc'],
    ],
    args: ['apply', '-f', '-'],
    stdin: pendingPod('nocpu', 'kwf-pol-qc'),
    code: 1,
    stderr: ['pods "nocpu" is forbidden: failed quota: qc: must specify requests.cpu for: main'],
  },
  {
    name: 'describe quota shows Used and Hard',
    setup: [
      ['create', 'namespace', 'kwf-pol-qd'],
      ['create', 'quota', 'qd', '--hard=pods=2,configmaps=3,requests.cpu=1', '-n', 'kwf-pol-qd'],
      ['create', 'configmap', 'c1', '-n', 'kwf-pol-qd'],
      applyStep(pendingPod('p1', 'kwf-pol-qd', { cpu: '250m' })),
      // the quota controller's count, not admission's
      [
        'wait',
        '--for=jsonpath={.status.used.pods}=1',
        'quota/qd',
        '-n',
        'kwf-pol-qd',
        '--timeout=30s',
      ],
    ],
    args: ['describe', 'quota', 'qd', '-n', 'kwf-pol-qd'],
    stdout: [
      /Resource\s+Used\s+Hard/,
      /configmaps\s+1\s+3/,
      /pods\s+1\s+2/,
      /requests\.cpu\s+250m\s+1/,
    ],
    check: async (_r, t) => {
      const got = await t.kubectl(['get', 'quota', 'qd', '-n', 'kwf-pol-qd', '--no-headers']);
      t.expect(got.stdout).toContain('configmaps: 1/3, pods: 1/2, requests.cpu: 250m/1');
    },
  },
];

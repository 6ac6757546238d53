/**
 * Member rows of the kubectl workflow table, part two: workloads on the real Docker node — scale,
 * rollout, set, expose, run, logs in every mode, exec, attach, port-forward, cp, describe, wait,
 * delete in every cascade mode — and the node rows (cordon, drain, uncordon) that run alone.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE, IMAGE2, NODE } from '../../support/kubectl-workflow-env.js';
import type { CheckTools, Workflow } from '../../support/kubectl-workflow-table.js';
import { deployment, readyDeployment } from './manifests.js';

const poll = { timeout: 60_000, interval: 500 };

/** The names `kubectl get <what> -l <selector> -o name` lists. */
async function names(t: CheckTools, what: string, selector: string): Promise<string> {
  return (await t.kubectl(['get', what, '-l', selector, '-o', 'name'])).stdout;
}

const workloadRows: Workflow[] = [
  {
    name: 'scale',
    setup: readyDeployment('sc-d'),
    args: ['scale', 'deployment', 'sc-d', '--replicas=2'],
    stdout: ['deployment.apps/sc-d scaled'],
    check: async (_r, t) => {
      const r = await t.kubectl(['rollout', 'status', 'deployment/sc-d', '--timeout=90s']);
      t.expect(r.stdout).toContain('successfully rolled out');
      t.expect((await names(t, 'pods', 'app=sc-d')).trim().split('\n')).toHaveLength(2);
    },
  },
  {
    name: 'scale --current-replicas precondition fails',
    setup: [['create', 'deployment', 'sc-pre', `--image=${IMAGE}`]],
    args: ['scale', 'deployment', 'sc-pre', '--current-replicas=5', '--replicas=2'],
    code: 1,
    stderr: ['Expected replicas to be 5, was 1'],
  },
  {
    name: 'rollout status',
    setup: [{ args: ['apply', '-f', '-'], stdin: deployment('ro-st') }],
    args: ['rollout', 'status', 'deployment/ro-st', '--timeout=90s'],
    stdout: ['deployment "ro-st" successfully rolled out'],
  },
  {
    name: 'set image, then rollout history lists two revisions',
    setup: [
      ...readyDeployment('ro-hist'),
      ['set', 'image', 'deployment/ro-hist', `c=${IMAGE2}`],
      ['rollout', 'status', 'deployment/ro-hist', '--timeout=90s'],
    ],
    args: ['rollout', 'history', 'deployment/ro-hist'],
    stdout: [/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/],
  },
  {
    name: 'rollout undo returns to the previous template',
    setup: [
      ...readyDeployment('ro-undo'),
      ['set', 'image', 'deployment/ro-undo', `c=${IMAGE2}`],
      ['rollout', 'status', 'deployment/ro-undo', '--timeout=90s'],
    ],
    args: ['rollout', 'undo', 'deployment/ro-undo'],
    stdout: ['deployment.apps/ro-undo rolled back'],
    check: async (_r, t) => {
      const r = await t.kubectl(['rollout', 'status', 'deployment/ro-undo', '--timeout=90s']);
      t.expect(r.stdout).toContain('successfully rolled out');
      const d = await t.kubectl([
        'get',
        'deploy',
        'ro-undo',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}',
      ]);
      t.expect(d.stdout).toBe(`${IMAGE} 3`);
    },
  },
  {
    name: 'rollout restart',
    setup: readyDeployment('ro-rs'),
    args: ['rollout', 'restart', 'deployment/ro-rs'],
    stdout: ['deployment.apps/ro-rs restarted'],
    check: async (_r, t) => {
      const r = await t.kubectl(['rollout', 'status', 'deployment/ro-rs', '--timeout=90s']);
      t.expect(r.stdout).toContain('successfully rolled out');
      const a = await t.kubectl([
        'get',
        'deploy',
        'ro-rs',
        '-o',
        'jsonpath={.spec.template.metadata.annotations}',
      ]);
      t.expect(a.stdout).toContain('kubectl.kubernetes.io/restartedAt');
    },
  },
  {
    name: 'rollout pause',
    setup: [['create', 'deployment', 'ro-pause', `--image=${IMAGE}`]],
    args: ['rollout', 'pause', 'deployment/ro-pause'],
    stdout: ['deployment.apps/ro-pause paused'],
    check: async (_r, t) => {
      t.expect((await t.kubectl(['rollout', 'resume', 'deployment/ro-pause'])).stdout).toContain(
        'resumed',
      );
    },
  },
  {
    name: 'set image',
    setup: [['create', 'deployment', 'si-d', `--image=${IMAGE}`]],
    args: ['set', 'image', 'deployment/si-d', `busybox=${IMAGE2}`],
    stdout: ['deployment.apps/si-d image updated'],
    check: async (_r, t) => {
      const i = await t.kubectl([
        'get',
        'deploy',
        'si-d',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].image}',
      ]);
      t.expect(i.stdout).toBe(IMAGE2);
    },
  },
  {
    name: 'set env',
    setup: [['create', 'deployment', 'se-d', `--image=${IMAGE}`]],
    args: ['set', 'env', 'deployment/se-d', 'MODE=blue'],
    stdout: ['deployment.apps/se-d env updated'],
  },
  {
    name: 'expose a deployment',
    setup: [['create', 'deployment', 'ex-d', `--image=${IMAGE}`]],
    args: ['expose', 'deployment', 'ex-d', '--port=80', '--target-port=8080'],
    stdout: ['service/ex-d exposed'],
    check: async (_r, t) => {
      const s = await t.kubectl([
        'get',
        'svc',
        'ex-d',
        '-o',
        'jsonpath={.spec.selector.app} {.spec.ports[0].targetPort}',
      ]);
      t.expect(s.stdout).toBe('ex-d 8080');
    },
  },
  {
    name: 'expose a pod, its endpoints are the pod',
    args: ['expose', 'pod', 'web', '--port=80', '--target-port=8080', '--name=web-svc'],
    stdout: ['service/web-svc exposed'],
    check: async (_r, t) => {
      const podIp = (await t.kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.status.podIP}']))
        .stdout;
      await t.expect
        .poll(
          async () =>
            (
              await t.kubectl([
                'get',
                'endpoints',
                'web-svc',
                '-o',
                'jsonpath={.subsets[0].addresses[0].ip}',
              ])
            ).stdout,
          poll,
        )
        .toBe(podIp);
    },
  },
  {
    name: 'run a pod, wait --for=condition=Ready',
    setup: [['run', 'run-pod', `--image=${IMAGE}`, '--labels=made=run']],
    args: ['wait', '--for=condition=Ready', 'pod/run-pod', '--timeout=90s'],
    stdout: ['pod/run-pod condition met'],
  },
  {
    name: 'run --rm -i --restart=Never prints and deletes',
    args: [
      'run',
      'run-rm',
      '--rm',
      '-i',
      '--restart=Never',
      `--image=${IMAGE}`,
      '--',
      'echo',
      'hi-from-run',
    ],
    stdout: ['hi-from-run', 'pod "run-rm" deleted'],
  },
  {
    name: 'wait --for=jsonpath',
    args: ['wait', '--for=jsonpath={.status.phase}=Running', 'pod/web', '--timeout=30s'],
    stdout: ['pod/web condition met'],
  },
];

const podRows: Workflow[] = [
  { name: 'logs', args: ['logs', 'web'], stdout: [/^line 0\nline 1\n/] },
  {
    name: 'logs -f (stopped after a while)',
    args: ['logs', '-f', 'web', '--tail=1'],
    until: /(line \d+\n){3}/,
    timeoutMs: 30_000,
    stdout: [/(line \d+\n){3}/],
  },
  {
    name: 'logs --previous after a crash',
    args: ['logs', 'crash', '--previous'],
    stdout: [/^crashed-once\n$/],
  },
  {
    name: 'lastState of a crashed container',
    args: [
      'get',
      'pod',
      'crash',
      '-o',
      'jsonpath={.status.containerStatuses[0].lastState.terminated.exitCode}',
    ],
    stdout: [/^1$/],
  },
  { name: 'logs --since', args: ['logs', 'web', '--since=1h'], stdout: [/^line 0\n/] },
  {
    name: 'logs --timestamps',
    args: ['logs', 'web', '--timestamps', '--tail=1'],
    stdout: [/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line \d+\n$/],
  },
  { name: 'logs --tail', args: ['logs', 'web', '--tail=3'], stdout: [/^(line \d+\n){3}$/] },
  { name: 'logs --limit-bytes', args: ['logs', 'web', '--limit-bytes=6'], stdout: [/^line 0$/] },
  {
    name: 'logs -l selector',
    args: ['logs', '-l', 'app=web', '--tail=1'],
    stdout: [/^line \d+\n$/],
  },
  {
    name: 'logs of an unknown container',
    args: ['logs', 'web', '-c', 'nope'],
    code: 1,
    stderr: ['container nope is not valid for pod web'],
  },
  {
    name: 'exec',
    args: ['exec', 'web', '--', 'cat', '/www/index.html'],
    stdout: [/^hello from flotilla\n$/],
  },
  {
    name: 'exec passes the exit code',
    args: ['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'],
    code: 3,
    stdout: [/^out\n$/],
    stderr: ['err'],
  },
  {
    name: 'exec -i passes stdin',
    args: ['exec', '-i', 'web', '--', 'cat'],
    stdin: 'through stdin\n',
    stdout: [/^through stdin\n$/],
  },
  {
    name: 'attach',
    args: ['attach', 'web'],
    until: /line \d+\n/,
    timeoutMs: 30_000,
    stdout: [/line \d+\n/],
  },
  {
    name: 'port-forward, then an HTTP GET',
    args: ['port-forward', '--address', '127.0.0.1', 'pod/web', '$PORT:8080'],
    timeoutMs: 60_000,
    whileRunning: async (out, t) => {
      await t.expect
        .poll(out, poll)
        .toContain(`Forwarding from 127.0.0.1:${String(t.port)} -> 8080`);
      const res = await fetch(`http://127.0.0.1:${String(t.port)}/`);
      t.expect(res.status).toBe(200);
      t.expect(await res.text()).toBe('hello from flotilla\n');
    },
    stdout: ['Forwarding from 127.0.0.1:', 'Handling connection for'],
  },
  {
    name: 'cp into a pod and back',
    setup: [['exec', 'web', '--', 'sh', '-c', 'echo copied-content > /tmp/from-pod.txt']],
    args: ['cp', 'web:/tmp/from-pod.txt', '$DIR/from-pod.txt'],
    check: async (_r, t) => {
      t.expect(readFileSync(join(t.env.dir, 'from-pod.txt'), 'utf8')).toBe('copied-content\n');
      writeFileSync(join(t.env.dir, 'to-pod.txt'), 'uploaded\n');
      const up = await t.kubectl(['cp', join(t.env.dir, 'to-pod.txt'), 'web:/tmp/to-pod.txt']);
      t.expect(up.code, up.stderr).toBe(0);
      t.expect((await t.kubectl(['exec', 'web', '--', 'cat', '/tmp/to-pod.txt'])).stdout).toBe(
        'uploaded\n',
      );
    },
  },
  {
    name: 'describe pod shows Events',
    args: ['describe', 'pod', 'web'],
    stdout: [/^Events:/m, /Normal\s+Scheduled/, /Normal\s+Started/],
  },
  {
    name: 'describe deployment shows Events',
    setup: readyDeployment('desc-d'),
    args: ['describe', 'deployment', 'desc-d'],
    stdout: [/^Events:/m, 'ScalingReplicaSet'],
  },
  {
    name: 'describe node',
    args: ['describe', 'node', NODE],
    stdout: [`Name:               ${NODE}`, 'Ready'],
  },
  {
    name: 'get events of a deployment',
    setup: readyDeployment('ev-d'),
    args: ['get', 'events', '--field-selector', 'involvedObject.name=ev-d'],
    stdout: [/Normal\s+ScalingReplicaSet\s+deployment\/ev-d\s+Scaled up replica set ev-d-/],
  },
];

const deleteRows: Workflow[] = [
  {
    name: 'delete --cascade=background removes the dependents',
    setup: readyDeployment('del-bg'),
    args: ['delete', 'deployment', 'del-bg', '--cascade=background'],
    stdout: ['deployment.apps "del-bg" deleted'],
    check: async (_r, t) => {
      await t.expect.poll(() => names(t, 'rs,pods', 'app=del-bg'), poll).toBe('');
    },
  },
  {
    name: 'delete --cascade=foreground waits for the dependents',
    setup: readyDeployment('del-fg'),
    args: ['delete', 'deployment', 'del-fg', '--cascade=foreground', '--timeout=90s'],
    stdout: ['deployment.apps "del-fg" deleted'],
    check: async (_r, t) => {
      t.expect(await names(t, 'deploy,rs', 'app=del-fg')).toBe('');
      await t.expect.poll(() => names(t, 'pods', 'app=del-fg'), poll).toBe('');
    },
  },
  {
    name: 'delete --cascade=orphan keeps the dependents',
    setup: readyDeployment('del-or'),
    args: ['delete', 'deployment', 'del-or', '--cascade=orphan'],
    stdout: ['deployment.apps "del-or" deleted'],
    check: async (_r, t) => {
      const rs = await names(t, 'rs', 'app=del-or');
      t.expect(rs).toMatch(/^replicaset\.apps\/del-or-/);
      const owners = await t.kubectl([
        'get',
        rs.trim(),
        '-o',
        'jsonpath={.metadata.ownerReferences}',
      ]);
      t.expect(owners.stdout).toBe('');
      t.expect(await names(t, 'pods', 'app=del-or')).toMatch(/^pod\/del-or-/);
    },
  },
  {
    name: 'delete --grace-period=0 --force',
    setup: [['run', 'del-force', `--image=${IMAGE}`]],
    args: ['delete', 'pod', 'del-force', '--grace-period=0', '--force'],
    stdout: ['pod "del-force" force deleted'],
    stderr: ['Immediate deletion does not wait for confirmation'],
  },
  {
    name: 'delete -l selector',
    setup: [
      ['create', 'configmap', 'del-l1'],
      ['label', 'cm', 'del-l1', 'del=me'],
    ],
    args: ['delete', 'cm', '-l', 'del=me'],
    stdout: ['configmap "del-l1" deleted'],
  },
  {
    name: 'delete a missing object is NotFound',
    args: ['delete', 'cm', 'kwf-nope'],
    code: 1,
    stderr: ['Error from server (NotFound): configmaps "kwf-nope" not found'],
  },
  {
    name: 'delete --ignore-not-found',
    args: ['delete', 'cm', 'kwf-nope', '--ignore-not-found'],
    stdout: [/^$/],
  },
];

/** Part two of the member rows (concurrent). */
export const memberWorkloadRows: Workflow[] = [...workloadRows, ...podRows, ...deleteRows];

/** Rows that change the node: run one at a time after every other row. */
export const memberNodeRows: Workflow[] = [
  {
    name: 'cordon',
    setup: [
      ['run', 'drain-me', `--image=${IMAGE}`, '--labels=drain=me'],
      ['wait', '--for=condition=Ready', 'pod/drain-me', '--timeout=90s'],
    ],
    args: ['cordon', NODE],
    stdout: [`node/${NODE} cordoned`],
  },
  {
    name: 'drain (only the selected pods)',
    args: [
      'drain',
      NODE,
      '--pod-selector=drain=me',
      '--ignore-daemonsets',
      '--force',
      '--timeout=90s',
    ],
    stdout: ['evicting pod kw/drain-me', 'pod/drain-me evicted', `node/${NODE} drained`],
  },
  {
    name: 'uncordon',
    args: ['uncordon', NODE],
    stdout: [`node/${NODE} uncordoned`],
    check: async (_r, t) => {
      const u = await t.kubectl(['get', 'node', NODE, '-o', 'jsonpath={.spec.unschedulable}']);
      t.expect(u.stdout).toBe('');
    },
  },
];

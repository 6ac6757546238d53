import { afterEach, describe, expect, it } from 'vitest';
import {
  CONTROLLERREVISIONS,
  DAEMONSETS,
  NODES,
  PODS,
  type ControllerRevision,
  type DaemonSet,
  type Node,
  type Pod,
  type Taint,
} from '../../../api/index.js';
import { revisionData } from '../controller-history.js';
import { templateHash } from '../pod-template.js';
import { startFixture, type FixtureSeed, type Fixture } from '../testing/fixture.js';
import { ownerRef, template } from '../testing/objects.js';
import { DaemonSetController } from './daemonset-controller.js';
import { DAEMON_TOLERATIONS } from './node-eligibility.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

function ds(spec: Partial<DaemonSet['spec']> = {}, image = 'busybox:1'): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default', uid: 'uid-agent', generation: 1 },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: template('agent', image),
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
      ...spec,
    },
  };
}

const hashOf = (d: DaemonSet): string => templateHash(d.spec.template);

function revision(d: DaemonSet): ControllerRevision {
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `agent-${hashOf(d)}`,
      namespace: 'default',
      labels: { 'controller-revision-hash': hashOf(d) },
      ownerReferences: [ownerRef('DaemonSet', 'agent')],
    },
    data: revisionData(d.spec.template),
    revision: 1,
  };
}

function node(name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { taints } };
}

function daemonPod(d: DaemonSet, nodeName: string, ready = true): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `agent-${nodeName}`,
      namespace: 'default',
      labels: { app: 'agent', 'controller-revision-hash': hashOf(d) },
      ownerReferences: [ownerRef('DaemonSet', 'agent')],
    },
    spec: { nodeName, containers: [{ name: 'c', image: 'busybox:1' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

async function run(seed: FixtureSeed) {
  const f = await startFixture(seed, (ctx) => new DaemonSetController(ctx), [
    { gvr: PODS },
    { gvr: DAEMONSETS },
    { gvr: NODES },
    { gvr: CONTROLLERREVISIONS },
  ]);
  fx = f;
  await f.controller.reconcile('default/agent');
  return f.client.actions;
}

const creates = (actions: { verb: string; resource: string; body?: unknown }[]) =>
  actions
    .filter((a) => a.verb === 'create' && a.resource === '/pods')
    .map((a) => (a.body as Pod).spec.nodeName);

describe('DaemonSetController', () => {
  it('binds one pod to each node and skips a node tainted NoSchedule', async () => {
    const d = ds();
    const noSchedule: Taint = { key: 'dedicated', value: 'db', effect: 'NoSchedule' };
    const actions = await run([
      [DAEMONSETS, [d]],
      [NODES, [node('n1'), node('n2'), node('n3', {}, [noSchedule])]],
    ]);
    expect(actions.map((a) => `${a.verb} ${a.resource}`)).toEqual([
      'create apps/controllerrevisions',
      'create /pods',
      'create /pods',
      'updateStatus apps/daemonsets',
    ]);
    expect(creates(actions)).toEqual(['n1', 'n2']);
    expect(actions[1]?.body).toMatchObject({
      metadata: {
        generateName: 'agent-',
        labels: { app: 'agent', 'controller-revision-hash': hashOf(d) },
        ownerReferences: [ownerRef('DaemonSet', 'agent')],
      },
      spec: { nodeName: 'n1', tolerations: DAEMON_TOLERATIONS },
    });
    expect((actions[3]?.body as DaemonSet).status).toMatchObject({
      desiredNumberScheduled: 2,
      currentNumberScheduled: 0,
      numberReady: 0,
    });
  });

  it('honours nodeSelector, required node affinity and tolerations', async () => {
    const d = ds();
    d.spec.template.spec.nodeSelector = { disk: 'ssd' };
    d.spec.template.spec.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
          ],
        },
      },
    };
    d.spec.template.spec.tolerations = [{ key: 'dedicated', operator: 'Exists' }];
    const tainted: Taint = { key: 'dedicated', value: 'x', effect: 'NoSchedule' };
    const actions = await run([
      [DAEMONSETS, [d]],
      [CONTROLLERREVISIONS, [revision(d)]],
      [
        NODES,
        [
          node('hdd', { disk: 'hdd', zone: 'a' }),
          node('zone-b', { disk: 'ssd', zone: 'b' }),
          node('ok', { disk: 'ssd', zone: 'a' }, [tainted]),
        ],
      ],
    ]);
    expect(creates(actions)).toEqual(['ok']);
  });

  it('keeps a pod on a node newly tainted NoSchedule but removes it for NoExecute', async () => {
    const d = ds();
    const actions = await run([
      [DAEMONSETS, [d]],
      [CONTROLLERREVISIONS, [revision(d)]],
      [
        NODES,
        [
          node('ns', {}, [{ key: 'k', effect: 'NoSchedule' }]),
          node('ne', {}, [{ key: 'k', effect: 'NoExecute' }]),
          // the standard daemon tolerations cover an unreachable node
          node('down', {}, [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }]),
        ],
      ],
      [PODS, [daemonPod(d, 'ns'), daemonPod(d, 'ne'), daemonPod(d, 'down')]],
    ]);
    expect(actions.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual([
      'delete /pods agent-ne',
      'updateStatus apps/daemonsets agent',
    ]);
    expect((actions[1]?.body as DaemonSet).status).toMatchObject({
      desiredNumberScheduled: 1,
      currentNumberScheduled: 1,
      numberMisscheduled: 2,
    });
  });

  it('rolls a new template out within maxUnavailable', async () => {
    const old = ds();
    const d = ds({}, 'busybox:2');
    const actions = await run([
      [DAEMONSETS, [d]],
      [CONTROLLERREVISIONS, [revision(old)]],
      [NODES, [node('n1'), node('n2'), node('n3')]],
      [PODS, ['n1', 'n2', 'n3'].map((n) => daemonPod(old, n))],
    ]);
    expect(actions.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual([
      `create apps/controllerrevisions agent-${hashOf(d)}`,
      'delete /pods agent-n1',
      'updateStatus apps/daemonsets agent',
    ]);
    expect((actions[2]?.body as DaemonSet).status).toMatchObject({
      desiredNumberScheduled: 3,
      numberReady: 3,
      updatedNumberScheduled: 0,
    });
  });

  it('does nothing when every eligible node runs an up-to-date pod', async () => {
    const d = ds();
    d.status = {
      observedGeneration: 1,
      desiredNumberScheduled: 1,
      currentNumberScheduled: 1,
      numberMisscheduled: 0,
      numberReady: 1,
      updatedNumberScheduled: 1,
      numberAvailable: 1,
      numberUnavailable: 0,
    };
    const actions = await run([
      [DAEMONSETS, [d]],
      [CONTROLLERREVISIONS, [revision(d)]],
      [NODES, [node('n1')]],
      [PODS, [daemonPod(d, 'n1')]],
    ]);
    expect(actions).toEqual([]);
  });
});

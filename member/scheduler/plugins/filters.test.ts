import { describe, expect, it } from 'vitest';
import type {
  Container,
  Node,
  NodeSelectorRequirement,
  Pod,
  PodSpec,
  Toleration,
} from '../../../api/index.js';
import { nodeInfo, type NodeInfo } from '../framework.js';
import {
  nodeAffinity,
  nodeName,
  nodePorts,
  nodeResourcesFit,
  nodeUnschedulable,
  taintToleration,
  tolerates,
} from './filters.js';

function node(spec: Node['spec'] = {}, labels: Record<string, string> = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1', ...labels } },
    spec,
    status: { allocatable: { cpu: '2', memory: '4Gi', pods: '3' } },
  };
}

function pod(spec: Partial<PodSpec> = {}, container: Partial<Container> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox:1', ...container }], ...spec },
  };
}

const requesting = (cpu: string, memory: string): Pod =>
  pod({}, { resources: { requests: { cpu, memory } } });
const info = (n: Node = node(), pods: Pod[] = []): NodeInfo => nodeInfo(n, pods);

describe('filter plugins', () => {
  it('NodeName: only the named node fits', () => {
    expect(nodeName.filter(pod(), info())).toBeUndefined();
    expect(nodeName.filter(pod({ nodeName: 'n1' }), info())).toBeUndefined();
    expect(nodeName.filter(pod({ nodeName: 'n2' }), info())).toBe(
      "node(s) didn't match the requested node name",
    );
  });

  it('NodeUnschedulable: cordoned nodes only take pods tolerating the unschedulable taint', () => {
    const cordoned = info(node({ unschedulable: true }));
    expect(nodeUnschedulable.filter(pod(), cordoned)).toBe('node(s) were unschedulable');
    const tolerating = pod({
      tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists' }],
    });
    expect(nodeUnschedulable.filter(tolerating, cordoned)).toBeUndefined();
  });

  it('NodeAffinity: nodeSelector and required terms (ORed terms, ANDed expressions)', () => {
    const labelled = info(node({}, { zone: 'a', disk: 'ssd', gen: '5' }));
    expect(nodeAffinity.filter(pod({ nodeSelector: { zone: 'a' } }), labelled)).toBeUndefined();
    expect(nodeAffinity.filter(pod({ nodeSelector: { zone: 'b' } }), labelled)).toBe(
      "node(s) didn't match Pod's node affinity/selector",
    );
    const affinity = (
      terms: { matchExpressions: NodeSelectorRequirement[] }[],
    ): Partial<PodSpec> => ({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms },
        },
      },
    });
    const fits = (terms: Parameters<typeof affinity>[0]): boolean =>
      nodeAffinity.filter(pod(affinity(terms)), labelled) === undefined;
    expect(
      fits([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }]),
    ).toBe(true);
    expect(
      fits([
        {
          matchExpressions: [
            { key: 'zone', operator: 'In', values: ['a'] },
            { key: 'disk', operator: 'NotIn', values: ['ssd'] },
          ],
        },
      ]),
    ).toBe(false);
    expect(
      fits([
        { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] },
        { matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] },
      ]),
    ).toBe(true);
    expect(fits([{ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['4'] }] }])).toBe(
      false,
    );
    expect(fits([{ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }])).toBe(true);
  });

  it('TaintToleration: NoSchedule and NoExecute need a toleration, PreferNoSchedule does not', () => {
    const tainted = info(
      node({
        taints: [
          { key: 'dedicated', value: 'db', effect: 'NoSchedule' },
          { key: 'soft', effect: 'PreferNoSchedule' },
        ],
      }),
    );
    expect(taintToleration.filter(pod(), tainted)).toBe(
      'node(s) had untolerated taint {dedicated: db}',
    );
    const ok: Toleration[][] = [
      [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }],
      [{ key: 'dedicated', operator: 'Exists' }],
      [{ operator: 'Exists' }],
    ];
    for (const tolerations of ok) {
      expect(taintToleration.filter(pod({ tolerations }), tainted)).toBeUndefined();
    }
    const wrong = pod({
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
    });
    expect(taintToleration.filter(wrong, tainted)).toBeDefined();
    const noExecute = info(node({ taints: [{ key: 'x', effect: 'NoExecute' }] }));
    expect(taintToleration.filter(pod(), noExecute)).toBeDefined();
    expect(
      tolerates([{ key: 'x', operator: 'Exists', effect: 'NoSchedule' }], {
        key: 'x',
        effect: 'NoExecute',
      }),
    ).toBe(false);
  });

  it('NodeResourcesFit: cpu, memory and pod count against allocatable', () => {
    const busy = info(node(), [requesting('1500m', '1Gi'), requesting('0', '2Gi')]);
    expect(nodeResourcesFit.filter(requesting('500m', '1Gi'), busy)).toBeUndefined();
    expect(nodeResourcesFit.filter(requesting('501m', '0'), busy)).toBe('Insufficient cpu');
    expect(nodeResourcesFit.filter(requesting('0', '1025Mi'), busy)).toBe('Insufficient memory');
    const full = info(node(), [pod(), pod(), pod()]);
    expect(nodeResourcesFit.filter(pod(), full)).toBe('Too many pods');
  });

  it('NodePorts: a host port (per protocol) can be used once per node', () => {
    const withPort = (hostPort: number, protocol: 'TCP' | 'UDP' = 'TCP'): Pod =>
      pod({}, { ports: [{ containerPort: 80, hostPort, protocol }] });
    const used = info(node(), [withPort(8080)]);
    expect(nodePorts.filter(withPort(8080), used)).toBe(
      "node(s) didn't have free ports for the requested pod ports",
    );
    expect(nodePorts.filter(withPort(8081), used)).toBeUndefined();
    expect(nodePorts.filter(withPort(8080, 'UDP'), used)).toBeUndefined();
    expect(nodePorts.filter(pod({}, { ports: [{ containerPort: 8080 }] }), used)).toBeUndefined();
  });
});

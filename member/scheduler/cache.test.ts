import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../api/index.js';
import { SchedulerCache } from './cache.js';

function node(name: string, cpu = '4'): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, resourceVersion: '1' },
    spec: {},
    status: { allocatable: { cpu, memory: '4Gi', pods: '10' } },
  };
}

function pod(name: string, nodeName?: string, cpu = '1', hostPort?: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      containers: [
        {
          name: 'c',
          image: 'busybox:1',
          resources: { requests: { cpu, memory: '1Gi' } },
          ...(hostPort ? { ports: [{ containerPort: 80, hostPort }] } : {}),
        },
      ],
    },
  };
}

describe('SchedulerCache', () => {
  it('accounts bound pods on their node, whether the pod or the node was seen first', () => {
    const c = new SchedulerCache();
    c.setPod(pod('early', 'n1'));
    c.setNode(node('n1'));
    c.setPod(pod('late', 'n1', '500m', 8080));
    c.setPod(pod('pending'));
    const info = c.get('n1');
    expect(info?.pods.map((p) => p.metadata.name).sort()).toEqual(['early', 'late']);
    expect(info?.requestedCpu).toBe(1500);
    expect(info?.requestedMemory).toBe(2 * 1024 ** 3);
    expect([...(info?.usedHostPorts ?? [])]).toEqual(['TCP/8080']);
    expect(c.nodeCount).toBe(1);
  });

  it('drops deleted and terminal pods, and keeps counts when the node is updated', () => {
    const c = new SchedulerCache();
    c.setNode(node('n1'));
    c.setPod(pod('a', 'n1', '1', 8080));
    c.setPod(pod('b', 'n1'));
    c.removePod('default/a');
    const done = pod('b', 'n1');
    done.status = { phase: 'Succeeded' };
    c.setNode(node('n1', '8'));
    expect(c.get('n1')).toMatchObject({ requestedCpu: 1000, allocatableCpu: 8000 });
    expect(c.get('n1')?.usedHostPorts.size).toBe(0);
    c.setPod(done);
    expect(c.get('n1')).toMatchObject({ requestedCpu: 0, pods: [] });
  });

  it('nodeInfos is stable across node updates and follows adds and removals', () => {
    const c = new SchedulerCache();
    c.setNode(node('n1'));
    c.setNode(node('n2'));
    const before = c.nodeInfos();
    const n1 = c.get('n1');
    c.setNode(node('n1', '8'));
    expect(c.nodeInfos()).toBe(before);
    expect(c.get('n1')).toBe(n1);
    expect(n1?.allocatableCpu).toBe(8000);
    c.removeNode(node('n2'));
    expect(c.nodeInfos().map((i) => i.node.metadata.name)).toEqual(['n1']);
  });

  it('assumed pods count until confirmed by the informer or forgotten after a failed binding', () => {
    const c = new SchedulerCache();
    c.setNode(node('n1'));
    c.setNode(node('n2'));
    c.assume(pod('a'), 'n1');
    c.assume(pod('b'), 'n1');
    expect(c.isAssumed('default/a')).toBe(true);
    expect(c.get('n1')?.requestedCpu).toBe(2000);
    // an unbound update of an assumed pod keeps it assumed
    c.setPod(pod('a'));
    expect(c.isAssumed('default/a')).toBe(true);
    // confirmed on another node than assumed (someone else bound it): moves
    c.setPod(pod('a', 'n2'));
    expect(c.isAssumed('default/a')).toBe(false);
    c.forget('default/a');
    expect(c.get('n1')?.requestedCpu).toBe(1000);
    expect(c.get('n2')?.requestedCpu).toBe(1000);
    c.forget('default/b');
    expect(c.isAssumed('default/b')).toBe(false);
    expect(c.get('n1')).toMatchObject({ requestedCpu: 0, pods: [] });
  });
});

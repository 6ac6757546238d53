import { describe, expect, it } from 'vitest';
import { consoleLogger } from '../../machinery/controller/index.js';
import type { Node, Pod } from '../../api/index.js';
import { LABEL_CONTAINER, LABEL_NODE, LABEL_POD_IP, LABEL_POD_UID } from './container-runtime.js';
import { HollowRuntime } from './hollow-runtime.js';
import { PodNetwork } from './pod-network.js';

const pod = (uid: string, extra: Partial<Pod['spec']> = {}, podIP?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: uid, namespace: 'default', uid },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }], ...extra },
  ...(podIP ? { status: { podIP } } : {}),
});

function network(pods: Pod[], runtime = new HollowRuntime(), podCIDR?: string) {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1' },
    ...(podCIDR ? { spec: { podCIDR } } : {}),
  };
  let current = node;
  const net = new PodNetwork({
    nodeName: 'n1',
    nodeAddress: '127.0.5.1',
    node: { get: () => current },
    pods: () => pods,
    runtime,
    logger: consoleLogger('test', true),
  });
  return {
    net,
    setCidr: (cidr: string): void => {
      current = { ...node, spec: { podCIDR: cidr } };
    },
  };
}

describe('PodNetwork', () => {
  it('has no address for a pod until the Node has a podCIDR; hostNetwork pods use the node', async () => {
    const { net, setCidr } = network([]);
    expect(await net.addressFor(pod('a'))).toBeUndefined();
    expect(await net.addressFor(pod('h', { hostNetwork: true }))).toBe('127.0.5.1');
    setCidr('127.128.0.0/26');
    expect(await net.addressFor(pod('a'))).toBe('127.128.0.2');
  });

  it('recovers what pods and containers had after a restart, and never hands those out again', async () => {
    const runtime = new HollowRuntime();
    // a container of pod b, created by the kubelet before it restarted (docker keeps it)
    await runtime.create({
      name: 'c',
      image: 'x',
      env: {},
      labels: {
        [LABEL_POD_UID]: 'b',
        [LABEL_CONTAINER]: 'c',
        [LABEL_NODE]: 'n1',
        [LABEL_POD_IP]: '127.128.0.3',
      },
      ports: [],
    });
    const a = pod('a', {}, '127.128.0.2');
    const b = pod('b');
    const { net } = network([a, b], runtime, '127.128.0.0/26');
    expect(await net.addressFor(pod('new'))).toBe('127.128.0.4');
    expect(await net.addressFor(b)).toBe('127.128.0.3');
    expect(await net.addressFor(a)).toBe('127.128.0.2');
    net.release('new');
    net.retain((uid) => uid !== 'b');
    expect(await net.addressFor(pod('later'))).toBe('127.128.0.5');
    // b's address is free again: a pod whose status records it gets it
    expect(await net.addressFor(pod('moved', {}, '127.128.0.3'))).toBe('127.128.0.3');
  });
});

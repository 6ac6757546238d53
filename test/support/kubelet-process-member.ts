/**
 * A member cluster whose one kubelet is a real `flotilla-kubelet` process (dist/) on a given
 * dockerd, so a test can `kill -9` it and start it again: etcd, the member API server and the
 * controller manager (deployment, replicaset, endpoints, node IPAM, CSR signing, garbage
 * collector and the scheduler) run in the test process; the kubelet joins with a node client
 * certificate written up front (reused by every restart, as a real node's kubeconfig is).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { consoleLogger } from '../../machinery/controller/index.js';
import { waitFor } from '../../hack/lib/ports.js';
import { NODES, type Node } from '../../api/index.js';
import { defaultClusterCidr } from '../../member/cluster/default-cluster-cidr.js';
import { runMemberControllerManager } from '../../member/controllermanager/member-controller-manager.js';
import {
  distScript,
  ensureBuilt,
  exitWithin,
  spawnBinary,
  waitOutput,
  type SpawnedBinary,
} from './binaries.js';
import { startMemberApi, type MemberApiFixture } from './member-api-fixture.js';

const KUBELET = distScript('member/cmd/kubelet.js');

/** What {@link startKubeletProcessMember} needs. */
export interface KubeletProcessMemberOptions {
  name: string;
  nodeName: string;
  /** The node's loopback address (127.0.N.1). */
  nodeIp: string;
  /** The dockerd the kubelet drives. */
  dockerSocket: string;
}

/** What {@link startKubeletProcessMember} started. */
export interface KubeletProcessMember extends MemberApiFixture {
  /** The kube-system uid: the cluster label of this member's containers. */
  clusterId: string;
  /** The kubelet process running now. */
  kubelet(): SpawnedBinary;
  /** Every kubelet process started so far (the first, then each restart). */
  kubelets(): SpawnedBinary[];
  /** Starts a new kubelet process (the previous one must have exited); resolves to its API port. */
  startKubelet(): Promise<number>;
  /** The Node's Ready condition status (`True`, `False`, `Unknown`) and its kubelet API port. */
  node(): Promise<{ ready: string | undefined; port: number | undefined }>;
  /** Stops the kubelet (SIGTERM, then SIGKILL), the controller manager, API server and etcd. */
  stop(): Promise<void>;
}

/** Starts the member and its kubelet process; resolves once the Node is Ready. */
export async function startKubeletProcessMember(
  o: KubeletProcessMemberOptions,
): Promise<KubeletProcessMember> {
  ensureBuilt([KUBELET]);
  const member = await startMemberApi(o.name, `flotilla-${o.name}-`);
  const abort = new AbortController();
  const cm = runMemberControllerManager(
    {
      client: member.admin,
      controllers:
        'deployment,replicaset,endpoints,nodeipam,csrapproving,csrsigning,garbagecollector',
      nodeIpam: { clusterCidr: defaultClusterCidr(), nodeCidrMaskSize: 26 },
      signer: member.auth.ca,
      logger: consoleLogger('cm', true),
    },
    abort.signal,
  );
  const dir = join(member.dir, 'kubelet');
  mkdirSync(dir, { recursive: true });
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    kubeconfigFor({
      name: o.name,
      server: member.api.url,
      caCert: member.auth.ca.cert,
      clientCert: member.auth.clientCert(`system:node:${o.nodeName}`, ['system:nodes']),
    }),
  );
  const args = [
    '--node-name',
    o.nodeName,
    '--node-ip',
    o.nodeIp,
    '--port',
    '0',
    '--runtime',
    'docker',
    '--docker-socket',
    o.dockerSocket,
    '--kubeconfig',
    kubeconfig,
    '--cluster-id',
    member.api.clusterId,
    '--node-status-update-frequency',
    '1',
    '--sync-frequency',
    '1',
    '--verbose',
  ];
  const procs: SpawnedBinary[] = [];
  const current = (): SpawnedBinary => {
    const k = procs.at(-1);
    if (!k) throw new Error('no kubelet started');
    return k;
  };
  const startKubelet = async (): Promise<number> => {
    const prev = procs.at(-1);
    if (prev && prev.child.exitCode === null && prev.child.signalCode === null) {
      throw new Error('the previous kubelet still runs');
    }
    const k = spawnBinary(KUBELET, args, `kubelet#${String(procs.length + 1)}`);
    procs.push(k);
    await waitOutput(k, /API https:\/\/[\d.]+:\d+/);
    return Number(/API https:\/\/[\d.]+:(\d+)/.exec(k.out())?.[1]);
  };
  const node = async (): Promise<{ ready: string | undefined; port: number | undefined }> => {
    const n = await member.admin.resource<Node>(NODES).get(o.nodeName);
    return {
      ready: n.status?.conditions?.find((c) => c.type === 'Ready')?.status,
      port: n.status?.daemonEndpoints?.kubeletEndpoint?.Port,
    };
  };
  const stop = async (): Promise<void> => {
    const k = procs.at(-1);
    if (k && k.child.exitCode === null && k.child.signalCode === null) {
      k.child.kill('SIGTERM');
      if ((await exitWithin(k, 15_000)) === 'timeout') {
        k.child.kill('SIGKILL');
        await k.exited;
      }
    }
    abort.abort();
    await cm;
    await member.stop();
    rmSync(member.dir, { recursive: true, force: true });
  };
  try {
    await startKubelet();
    await waitFor(
      'the Node Ready',
      async () => (await node().catch(() => undefined))?.ready === 'True',
      60_000,
      200,
    );
  } catch (err) {
    await stop();
    throw new Error(`member ${o.name} did not come up: ${procs.at(-1)?.out() ?? ''}`, {
      cause: err,
    });
  }
  return {
    ...member,
    clusterId: member.api.clusterId,
    kubelet: current,
    kubelets: () => [...procs],
    startKubelet,
    node,
    stop,
  };
}

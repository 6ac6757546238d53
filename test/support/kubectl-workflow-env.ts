/**
 * The stacks the kubectl workflow table runs against, started side by side: a member API server on
 * etcd with every member controller and the scheduler, and one kubelet (in-process, its own HTTPS
 * API so logs/exec/attach/port-forward/cp reach real Docker containers); and a federation with one
 * joined hollow member. One kubeconfig holds the contexts `member`, `member-viewer` (a user with
 * no role) and `federation`; {@link KubectlWorkflowEnv.kubectl} never throws on a non-zero exit.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBusyboxImage, ensureDockerd, type DockerService } from '../../hack/lib/services.js';
import { selfSignedCert } from '../../machinery/apiserver/serving-cert.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { consoleLogger } from '../../machinery/controller/index.js';
import { defaultClusterCidr } from '../../member/cluster/default-cluster-cidr.js';
import { runMemberControllerManager } from '../../member/controllermanager/member-controller-manager.js';
import { DockerRuntime } from '../../member/kubelet/docker-runtime.js';
import { adminContext } from './kube-contexts.js';
import { startHollowFederation, type HollowFederation } from './hollow-federation.js';
import { startMemberApi, type MemberApiFixture } from './member-api-fixture.js';
import { startKubeletNode } from './kubelet-member.js';
import { removeContainers } from './member-env.js';

/** What a kubectl run gave. */
export interface KubectlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** How to run kubectl beyond its arguments. */
export interface KubectlCall {
  stdin?: string;
  /** More environment (KUBE_EDITOR...). */
  env?: Record<string, string>;
  /** Killed (SIGINT, then SIGKILL) after this long; the output so far is the result. */
  timeoutMs?: number;
  /** Called with the output so far on every chunk; returning true stops kubectl (SIGINT). */
  until?: (out: string) => boolean;
  /** Stops kubectl (SIGINT) when aborted. */
  signal?: AbortSignal;
}

/** What {@link startKubectlWorkflowEnv} started. */
export interface KubectlWorkflowEnv {
  member: MemberApiFixture;
  federation: HollowFederation;
  /** The node of the member. */
  nodeName: string;
  /** The local busybox image, tagged so its default pull policy is IfNotPresent. */
  image: string;
  /** A temporary directory for manifests and copies; it holds a TLS pair (tls.crt, tls.key). */
  dir: string;
  /** The kubeconfig with the contexts `member`, `member-viewer` and `federation`. */
  kubeconfig: string;
  /** kubectl against `context`, with a private discovery cache; never throws. */
  kubectl(context: string, args: string[], call?: KubectlCall): Promise<KubectlRun>;
  stop(): Promise<void>;
}

const MEMBER = 'kwf';
/** The member's one node. */
export const NODE = 'kwf-node-1';
const NODE_IP = '127.0.79.1';
/** Not `latest`: the API server defaults imagePullPolicy to IfNotPresent, nothing is pulled. */
export const IMAGE = 'flotilla/busybox:kubectl-workflows';
/** The same image under a second tag: a new template (set image, rollout undo) pulls nothing. */
export const IMAGE2 = 'flotilla/busybox:kubectl-workflows-2';

/** Starts the member (with its Docker node) and the federation concurrently. */
export async function startKubectlWorkflowEnv(): Promise<KubectlWorkflowEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-kubectl-workflows-'));
  const docker = await ensureDockerd();
  const dockerEnv = { ...process.env, DOCKER_HOST: `unix://${docker.socketPath}` };
  const image = buildBusyboxImage(docker.socketPath, IMAGE);
  execFileSync('docker', ['tag', image, IMAGE2], { env: dockerEnv });
  const abort = new AbortController();
  const running: Promise<unknown>[] = [];
  const [m, f] = await Promise.allSettled([
    startMember(docker, abort.signal, running),
    startHollowFederation(['kwf-fed-1'], { join: true }),
  ]);
  const stop = async (): Promise<void> => {
    abort.abort();
    await Promise.allSettled(running);
    if (f.status === 'fulfilled') await f.value.stop();
    if (m.status === 'fulfilled') await m.value.stop();
    removeContainers(dockerEnv, NODE);
    await docker.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  if (m.status === 'rejected' || f.status === 'rejected') {
    await stop();
    throw m.status === 'rejected' ? m.reason : (f as PromiseRejectedResult).reason;
  }
  const member = m.value;
  const federation = f.value;
  const kubeconfig = join(dir, 'kubeconfig');
  const memberEntry = {
    name: 'member',
    server: member.api.url,
    caCert: member.api.tls.cert,
    namespace: 'kw',
  };
  writeFileSync(
    kubeconfig,
    kubeconfigFor(
      { ...memberEntry, clientCert: member.auth.clientCert('admin', ['system:masters']) },
      { ...memberEntry, name: 'member-viewer', clientCert: member.auth.clientCert('viewer') },
      { ...adminContext('federation', federation.fed), namespace: 'default' },
    ),
  );
  // for `kubectl create secret tls --cert=$DIR/tls.crt --key=$DIR/tls.key`
  const tls = selfSignedCert([], ['kwf.example']);
  writeFileSync(join(dir, 'tls.crt'), tls.cert);
  writeFileSync(join(dir, 'tls.key'), tls.key);
  const cacheDir = join(dir, 'kube-cache');
  return {
    member,
    federation,
    nodeName: NODE,
    image,
    dir,
    kubeconfig,
    kubectl: (context, args, call = {}) =>
      runKubectl(
        ['--kubeconfig', kubeconfig, '--context', context, '--cache-dir', cacheDir, ...args],
        call,
      ),
    stop,
  };
}

/** The member API server, its controller manager and scheduler, and a Ready Docker node. */
async function startMember(
  docker: DockerService,
  signal: AbortSignal,
  running: Promise<unknown>[],
): Promise<MemberApiFixture> {
  const member = await startMemberApi(MEMBER, 'flotilla-kwf-');
  const log = consoleLogger(MEMBER, true);
  running.push(
    runMemberControllerManager(
      {
        client: member.admin,
        controllers: '*',
        nodeIpam: { clusterCidr: defaultClusterCidr(), nodeCidrMaskSize: 26 },
        signer: member.auth.ca,
        logger: log,
      },
      signal,
    ),
  );
  const kubelet = await startKubeletNode({
    ...member,
    nodeName: NODE,
    nodeIp: NODE_IP,
    runtime: new DockerRuntime({ socketPath: docker.socketPath }),
    dir: join(member.dir, 'kubelet'),
    signal,
    kubelet: { crashLoopBaseMs: 500, crashLoopMaxMs: 2000 },
    logger: log,
  });
  running.push(kubelet.run);
  return member;
}

/** Runs kubectl; resolves with what it printed once it exits (or is stopped). */
function runKubectl(args: string[], call: KubectlCall): Promise<KubectlRun> {
  return new Promise((resolve) => {
    const child = spawn('kubectl', args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...call.env },
    });
    let stdout = '';
    let stderr = '';
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    };
    const seen = (): void => {
      if (call.until?.(stdout + stderr) === true) stop();
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      seen();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      seen();
    });
    const timer = setTimeout(stop, call.timeoutMs ?? 60_000);
    call.signal?.addEventListener('abort', stop);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(call.stdin ?? '');
  });
}

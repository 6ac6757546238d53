/**
 * A member API server on etcd whose kubelet (in-process, its own HTTPS API, Docker runtime on the
 * project's dockerd) is joined and Ready, with the busybox image built; kubectl against it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildBusyboxImage, ensureDockerd, type DockerService } from '../../hack/lib/services.js';
import { DockerRuntime } from '../../member/kubelet/docker-runtime.js';
import { joinKubelet } from './kubelet-member.js';
import { startMemberApi, type MemberApiFixture } from './member-api-fixture.js';
import { removeContainers } from './member-env.js';

/** What a kubectl run gave. */
export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** kubectl as `config` (asynchronous: the API server and kubelet run in this process). */
export function kubectl(config: string, args: string[], stdin?: string): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = spawn('kubectl', ['--kubeconfig', config, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

/** What {@link startDockerMember} needs. */
export interface DockerMemberOptions {
  name: string;
  nodeName: string;
  nodeIp: string;
  /** Names the temporary directory. */
  dirPrefix: string;
}

/** What {@link startDockerMember} started. */
export interface DockerMemberFixture extends MemberApiFixture {
  docker: DockerService;
  /** The environment for the docker CLI against the project's dockerd. */
  dockerEnv: NodeJS.ProcessEnv;
  /** The local busybox image. */
  image: string;
  /** kubectl as admin. */
  asAdmin(...args: string[]): Promise<KubectlResult>;
  /** Stops the kubelet and controllers, the API server and etcd; removes the node's containers. */
  stop(): Promise<void>;
}

/** Starts dockerd (if needed), etcd, the member API server and a kubelet joined to it. */
export async function startDockerMember(o: DockerMemberOptions): Promise<DockerMemberFixture> {
  const docker = await ensureDockerd();
  const dockerEnv = { ...process.env, DOCKER_HOST: `unix://${docker.socketPath}` };
  const image = buildBusyboxImage(docker.socketPath);
  const member = await startMemberApi(o.name, o.dirPrefix);
  const abort = new AbortController();
  const running: Promise<void>[] = [];
  const stop = async (): Promise<void> => {
    abort.abort();
    await Promise.allSettled(running);
    await member.stop();
    removeContainers(dockerEnv, o.nodeName);
    await docker.stop();
  };
  try {
    running.push(
      ...(await joinKubelet({
        api: member.api,
        auth: member.auth,
        admin: member.admin,
        adminKubeconfig: member.adminKubeconfig,
        nodeName: o.nodeName,
        nodeIp: o.nodeIp,
        runtime: new DockerRuntime({ socketPath: docker.socketPath }),
        dir: join(member.dir, 'kubelet'),
        signal: abort.signal,
      })),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    ...member,
    docker,
    dockerEnv,
    image,
    asAdmin: (...args) => kubectl(member.adminKubeconfig, args),
    stop,
  };
}

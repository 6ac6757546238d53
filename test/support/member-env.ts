/**
 * Shared set-up for tests that need member clusters with real containers: the project's dockerd,
 * a local docker-registry with the busybox image pushed to it, and an etcd.
 */
import { execFileSync } from 'node:child_process';
import {
  buildBusyboxImage,
  ensureDockerd,
  startEtcd,
  startRegistry,
  type DockerService,
  type EtcdService,
  type RegistryService,
} from '../../hack/lib/services.js';

/** Services for member-cluster tests. */
export interface MemberEnv {
  docker: DockerService;
  registry: RegistryService;
  etcd: EtcdService;
  /** `127.0.0.1:<port>/flotilla/busybox:<tag>` in the local registry. */
  image: string;
  dockerEnv: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** Runs the docker CLI against the project's dockerd. */
export function dockerCli(env: NodeJS.ProcessEnv, ...args: string[]): string {
  return execFileSync('docker', args, { env, encoding: 'utf8' });
}

/** Starts dockerd (if needed), a registry with the busybox image, and etcd. */
export async function startMemberEnv(tag = '1'): Promise<MemberEnv> {
  const docker = await ensureDockerd();
  const registry = await startRegistry();
  const etcd = await startEtcd();
  const dockerEnv = { ...process.env, DOCKER_HOST: `unix://${docker.socketPath}` };
  const local = buildBusyboxImage(docker.socketPath);
  const image = `${registry.host}/flotilla/busybox:${tag}`;
  dockerCli(dockerEnv, 'tag', local, image);
  dockerCli(dockerEnv, 'push', image);
  return {
    docker,
    registry,
    etcd,
    image,
    dockerEnv,
    stop: async () => {
      await etcd.stop();
      await registry.stop();
      await docker.stop();
    },
  };
}

/** Removes every container a test's kubelets created (by node-name label prefix). */
export function removeContainers(env: NodeJS.ProcessEnv, nodePrefix: string): void {
  const ids = dockerCli(env, 'ps', '-aq', '--filter', 'label=io.flotilla.node')
    .split('\n')
    .filter((l) => l !== '');
  for (const id of ids) {
    const node = dockerCli(
      env,
      'inspect',
      '-f',
      '{{ index .Config.Labels "io.flotilla.node" }}',
      id,
    ).trim();
    if (node.startsWith(nodePrefix)) dockerCli(env, 'rm', '-f', id);
  }
}

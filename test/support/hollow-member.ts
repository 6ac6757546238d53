// A member cluster on hollow nodes on its own etcd, with its kubeconfig in a fresh temp folder, and
// the real kubectl against it as its admin.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { MemberCluster, type MemberClusterOptions } from '../../member/cluster/member-cluster.js';

const run = promisify(execFile);

export interface HollowMember {
  /** The temp folder (`mkdtemp` of `<tmpdir>/<prefix>`) holding the kubeconfig. */
  dir: string;
  etcd: EtcdService;
  member: MemberCluster;
  /** Stops the member, then etcd. */
  stop(): Promise<void>;
}

/**
 * Starts etcd and the member (runtime hollow, kubeconfig `<dir>/kubeconfig`); on a failure, stops
 * what it started and rethrows.
 */
export async function startHollowMember(
  prefix: string,
  opts: Omit<MemberClusterOptions, 'etcdEndpoint' | 'runtime' | 'kubeconfigPath'>,
): Promise<HollowMember> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let etcd: EtcdService | undefined;
  let member: MemberCluster | undefined;
  const stop = async (): Promise<void> => {
    await member?.stop();
    await etcd?.stop();
  };
  try {
    etcd = await startEtcd();
    member = new MemberCluster({
      ...opts,
      etcdEndpoint: etcd.endpoint,
      runtime: 'hollow',
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
    await member.start();
    return { dir, etcd, member, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * kubectl with `member`'s kubeconfig (and `args` before the command's own), its `get … -o json`
 * parsed, and `apply -f` of YAML written to `<dir>/<name>.yaml`. Each call times out after 30 s.
 */
export function memberKubectl(target: () => HollowMember, args: string[] = []) {
  const kubectl = async (...rest: string[]): Promise<string> => {
    const { member } = target();
    const { stdout } = await run(
      'kubectl',
      ['--kubeconfig', member.kubeconfigPath ?? '', ...args, ...rest],
      { timeout: 30_000 },
    );
    return stdout;
  };
  const getJson = async <T>(...rest: string[]): Promise<T> =>
    JSON.parse(await kubectl('get', ...rest, '-o', 'json')) as T;
  const apply = (name: string, yaml: string): Promise<string> => {
    const p = join(target().dir, `${name}.yaml`);
    writeFileSync(p, yaml);
    return kubectl('apply', '-f', p);
  };
  return { kubectl, getJson, apply };
}

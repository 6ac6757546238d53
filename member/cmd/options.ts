/** Options of the `member` command (one whole member cluster in one process). */
import { MEMBER_CONTROLLERS } from '../controllers/index.js';

/** Typed options of `member` (flags map 1:1, kebab-case). */
export interface MemberOptions {
  /** `--name`: cluster name (DNS-1123 label). */
  name: string;
  /** `--etcd`: etcd client URL (required). */
  etcd: string;
  /** `--etcd-prefix`. @defaultValue `/flotilla/members/<name>` */
  etcdPrefix: string | undefined;
  /** `--host`: API listen address. @defaultValue 127.0.0.1 */
  host: string;
  /** `--port`: API port, 0 = any. @defaultValue 0 */
  port: number;
  /** `--nodes`. @defaultValue 2 */
  nodes: number;
  /** `--runtime docker|hollow`. @defaultValue docker */
  runtime: string;
  /** `--docker-socket`. @defaultValue /var/lib/flotilla-docker/docker.sock */
  dockerSocket: string;
  /** `--cluster-index`: default node prefix is `127.0.<index>.`. @defaultValue 1 */
  clusterIndex: number;
  /** `--node-ip-prefix`, e.g. `127.0.3.` (overrides the cluster index). */
  nodeIpPrefix: string | undefined;
  /** `--dns-port`: cluster DNS port, 0 = any (DNS runs when a DNS server is available). @defaultValue 0 */
  dnsPort: number;
  /** `--cluster-domain`. @defaultValue cluster.local */
  clusterDomain: string;
  /** `--controllers`, e.g. `*,-garbagecollector`. @defaultValue `*` */
  controllers: string;
  /** `--kubeconfig-out`: where to write a kubeconfig for kubectl. */
  kubeconfigOut: string | undefined;
  /** `--token`: API bearer token. @defaultValue random */
  token: string | undefined;
  /** `--node-grace-period`: seconds without Lease renewal before a node is NotReady. @defaultValue 40 */
  nodeGracePeriod: number;
  /** `--pod-eviction-timeout`: seconds on the unreachable taint before pods are evicted. @defaultValue 300 */
  podEvictionTimeout: number;
  /** `--verbose`: log to stderr. @defaultValue false */
  verbose: boolean;
}

/** Defaults for every optional field. */
export const defaults: Omit<MemberOptions, 'name' | 'etcd'> = {
  etcdPrefix: undefined,
  host: '127.0.0.1',
  port: 0,
  nodes: 2,
  runtime: 'docker',
  dockerSocket: '/var/lib/flotilla-docker/docker.sock',
  clusterIndex: 1,
  nodeIpPrefix: undefined,
  dnsPort: 0,
  clusterDomain: 'cluster.local',
  controllers: '*',
  kubeconfigOut: undefined,
  token: undefined,
  nodeGracePeriod: 40,
  podEvictionTimeout: 300,
  verbose: false,
};

/** Fills defaults. */
export function resolveOptions(partial: Partial<MemberOptions>): MemberOptions {
  const out: MemberOptions = { ...defaults, name: '', etcd: '' };
  for (const [k, v] of Object.entries(partial)) {
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Controller names accepted by `--controllers`. */
export const knownControllers: readonly string[] = MEMBER_CONTROLLERS;

/** Usage text. */
export const usage = `usage: member --name NAME --etcd URL [flags]
  --name NAME               cluster name (DNS-1123 label)
  --etcd URL                etcd client URL, e.g. http://127.0.0.1:2379
  --etcd-prefix PREFIX      key prefix (default /flotilla/members/<name>)
  --host ADDR               API listen address (default 127.0.0.1)
  --port N                  API port (default 0 = any free port)
  --nodes N                 number of nodes (default 2)
  --runtime docker|hollow   container runtime (default docker)
  --docker-socket PATH      dockerd socket (default /var/lib/flotilla-docker/docker.sock)
  --cluster-index N         node addresses 127.0.N.1.. (default 1)
  --node-ip-prefix P        node address prefix, e.g. 127.0.3. (overrides --cluster-index)
  --dns-port N              cluster DNS port (default 0 = any free port)
  --cluster-domain D        cluster domain (default cluster.local)
  --controllers SPEC        e.g. *,-garbagecollector (known: ${MEMBER_CONTROLLERS.join(', ')})
  --kubeconfig-out PATH     write a kubeconfig for kubectl here
  --token TOKEN             API bearer token (default random)
  --node-grace-period S     seconds before a silent node is NotReady (default 40)
  --pod-eviction-timeout S  seconds before pods of an unreachable node are evicted (default 300)
  --verbose                 log to stderr
`;

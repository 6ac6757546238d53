/** Options of `flotilla-member-apiserver` (kube-apiserver's flags for one member cluster). */
import {
  servingDefaults,
  type ApiServerServingOptions,
} from '../../machinery/apiserver/serving-options.js';

/**
 * Typed options of `flotilla-member-apiserver` (flags map 1:1, kebab-case): the shared API server
 * flags (`--etcd-prefix` defaults to `/flotilla/members/<cluster-name>`, `--pki-dir` is created
 * where missing) and the member's own.
 */
export interface MemberApiServerCmdOptions extends ApiServerServingOptions {
  /** `--cluster-name`: the member's name (DNS-1123 label). */
  clusterName: string;
  /** `--cluster-dns`: `host:port` of the cluster DNS, announced by the kube-dns Endpoints. */
  clusterDns: string | undefined;
  /**
   * `--service-cluster-ip-range`: IPv4 CIDR (/8../28) of Service ClusterIPs (inside 127.0.0.0/8
   * the service proxy serves them). @defaultValue 10.96.0.0/16
   */
  serviceClusterIpRange: string;
  /** `--service-node-port-range`: `FIRST-LAST` node ports. @defaultValue 30000-32767 */
  serviceNodePortRange: string;
  /** `--verbose`: log to stderr. @defaultValue false */
  verbose: boolean;
}

/** Defaults for every optional field. */
export const apiServerDefaults: Omit<
  MemberApiServerCmdOptions,
  'clusterName' | 'etcdServers' | 'pkiDir'
> = {
  ...servingDefaults,
  etcdPrefix: undefined,
  clusterDns: undefined,
  serviceClusterIpRange: '10.96.0.0/16',
  serviceNodePortRange: '30000-32767',
  verbose: false,
};

/** Fills defaults. */
export function resolveApiServerOptions(
  partial: Partial<MemberApiServerCmdOptions>,
): MemberApiServerCmdOptions {
  const out: MemberApiServerCmdOptions = {
    ...apiServerDefaults,
    clusterName: '',
    etcdServers: [],
    pkiDir: '',
  };
  for (const [k, v] of Object.entries(partial)) {
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Usage text. */
export const apiServerUsage = `usage: flotilla-member-apiserver --cluster-name NAME --etcd-servers URLS --pki-dir DIR [flags]
  --cluster-name NAME               member cluster name (DNS-1123 label)
  --etcd-servers URL[,URL]          etcd client URLs, e.g. http://127.0.0.1:2379
  --etcd-prefix PREFIX              key prefix (default /flotilla/members/<cluster-name>)
  --etcd-cafile FILE                CA of etcd's serving certificate (etcd over TLS)
  --etcd-certfile FILE              client certificate for etcd
  --etcd-keyfile FILE               client key for etcd
  --pki-dir DIR                     cluster PKI: ca.crt, ca.key, sa.key (created where missing)
  --bind-address IP                 listen address (default 127.0.0.1)
  --secure-port N                   HTTPS port, 0 = any free port (default 6443)
  --encryption-provider-config F    EncryptionConfiguration for encryption at rest
  --audit-policy-file FILE          audit.k8s.io/v1 Policy (with --audit-log-path)
  --audit-log-path FILE             where audit events are appended (with --audit-policy-file)
  --token-auth-file FILE            static tokens, CSV: token,user,uid[,"group1,group2"]
  --event-ttl DURATION              how long Events are kept after their last write (default 1h; 0 = forever)
  --watch-cache BOOL                serve watches from memory (default true; false: every watch and read from etcd)
  --cluster-dns HOST:PORT           cluster DNS address for the kube-dns Endpoints
  --service-cluster-ip-range CIDR   IPv4 range of Service ClusterIPs, /8../28 (default 10.96.0.0/16)
  --service-node-port-range A-B     node ports of NodePort Services (default 30000-32767)
  --verbose                         log to stderr
  -h, --help                        this text
`;

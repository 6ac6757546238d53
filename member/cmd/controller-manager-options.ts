/** Options of `flotilla-member-controller-manager` (kube-controller-manager's flags, plus the scheduler). */
import {
  leaderElectionDefaults,
  type LeaderElectionFlags,
} from '../../machinery/leaderelection/flags.js';
import { MEMBER_CONTROLLERS } from '../controllers/index.js';
import { CONTROLLER_MANAGER_LEASE } from '../controllermanager/index.js';

/** Typed options of `flotilla-member-controller-manager` (flags map 1:1, kebab-case). */
export interface MemberControllerManagerCmdOptions extends LeaderElectionFlags {
  /** `--kubeconfig`: the controller manager's identity (system:kube-controller-manager). */
  kubeconfig: string;
  /** `--scheduler-kubeconfig`: the scheduler's identity. @defaultValue `--kubeconfig` */
  schedulerKubeconfig: string | undefined;
  /** `--controllers`, e.g. `*,-garbagecollector`. @defaultValue `*` */
  controllers: string;
  /** `--scheduler`: run the scheduler in this process. @defaultValue true */
  scheduler: boolean;
  /** `--node-grace-period`: without Lease renewal a node turns NotReady after it. @defaultValue 40s */
  nodeGracePeriodMs: number;
  /** `--pod-eviction-timeout`: pods of an unreachable node are evicted after it. @defaultValue 300s */
  podEvictionTimeoutMs: number;
  /** `--metrics-bind-address`: loopback `IP:PORT` for plain-HTTP /metrics. @defaultValue off */
  metricsBindAddress: string | undefined;
  /** `--cluster-signing-cert-file` / `--cluster-signing-key-file`: the CA that signs kubelet CSRs. */
  clusterSigningCertFile: string | undefined;
  clusterSigningKeyFile: string | undefined;
  /** `--pki-dir`: the cluster PKI folder; its ca.crt/ca.key sign when the files above are unset. */
  pkiDir: string | undefined;
  /** `--cluster-cidr`: the pods' range (inside 127.0.0.0/8), cut into node pod CIDRs. */
  clusterCidr: string | undefined;
  /** `--node-cidr-mask-size`: prefix length of each node's pod CIDR. @defaultValue 24 */
  nodeCidrMaskSize: number;
  /**
   * `--allocate-node-cidrs`: run the nodeipam controller (Nodes get `spec.podCIDR`).
   * @defaultValue true when `--cluster-cidr` is given
   */
  allocateNodeCidrs: boolean | undefined;
  /** `--max-endpoints-per-slice`: endpoints per EndpointSlice (1..1000). @defaultValue 100 */
  maxEndpointsPerSlice: number;
  /** `--verbose`: log to stderr. @defaultValue false */
  verbose: boolean;
}

/** Defaults for every optional field. */
export const controllerManagerDefaults: Omit<MemberControllerManagerCmdOptions, 'kubeconfig'> = {
  schedulerKubeconfig: undefined,
  controllers: '*',
  scheduler: true,
  ...leaderElectionDefaults(CONTROLLER_MANAGER_LEASE),
  nodeGracePeriodMs: 40_000,
  podEvictionTimeoutMs: 300_000,
  metricsBindAddress: undefined,
  clusterSigningCertFile: undefined,
  clusterSigningKeyFile: undefined,
  pkiDir: undefined,
  clusterCidr: undefined,
  nodeCidrMaskSize: 24,
  allocateNodeCidrs: undefined,
  maxEndpointsPerSlice: 100,
  verbose: false,
};

/** Fills defaults. */
export function resolveControllerManagerOptions(
  partial: Partial<MemberControllerManagerCmdOptions>,
): MemberControllerManagerCmdOptions {
  const out: MemberControllerManagerCmdOptions = { ...controllerManagerDefaults, kubeconfig: '' };
  for (const [k, v] of Object.entries(partial)) {
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Usage text. */
export const controllerManagerUsage = `usage: flotilla-member-controller-manager --kubeconfig FILE [flags]
  --kubeconfig FILE                     controller manager's kubeconfig (system:kube-controller-manager)
  --scheduler-kubeconfig FILE           scheduler's kubeconfig (system:kube-scheduler; default --kubeconfig)
  --controllers SPEC                    e.g. *,-garbagecollector (known: ${MEMBER_CONTROLLERS.join(', ')})
  --scheduler=true|false                run the scheduler in this process (default true)
  --leader-elect=true|false             run only while holding the Lease (default true)
  --leader-elect-lease-duration D       e.g. 15s (default 15s)
  --leader-elect-renew-deadline D       (default 10s)
  --leader-elect-retry-period D         (default 2s)
  --leader-elect-resource-name NAME     Lease name (default ${CONTROLLER_MANAGER_LEASE})
  --leader-elect-resource-namespace NS  Lease namespace (default kube-system)
  --node-grace-period D                 a silent node turns NotReady after it (default 40s)
  --pod-eviction-timeout D              pods of an unreachable node are evicted after it (default 300s)
  --metrics-bind-address IP:PORT        plain-HTTP /metrics on a loopback address (default off)
  --cluster-signing-cert-file FILE      CA certificate that signs kubelet CSRs
  --cluster-signing-key-file FILE       its key
  --pki-dir DIR                         cluster PKI folder (ca.crt, ca.key) instead of the two above
  --cluster-cidr CIDR                   pods' range inside 127.0.0.0/8, e.g. 127.16.24.0/21 (default none)
  --node-cidr-mask-size N               prefix length of each node's pod CIDR (default 24)
  --allocate-node-cidrs=true|false      give Nodes a podCIDR from --cluster-cidr (default: true with it)
  --max-endpoints-per-slice N           endpoints per EndpointSlice, 1..1000 (default 100)
  --verbose                             log to stderr
  -h, --help                            this text
Durations: Go style (500ms, 15s, 1m30s) or a number of seconds.
`;

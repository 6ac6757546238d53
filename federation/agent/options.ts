/** Options of `flotilla-agent` (the pull-mode agent beside one member). */

/** Typed options of the agent (flags map 1:1, kebab-case). */
export interface AgentOptions {
  /** `--kubeconfig`: the federation, with the agent's own identity (required). */
  kubeconfig: string;
  /** `--cluster-name`: the Pull cluster this agent syncs (required). */
  clusterName: string;
  /** `--member-kubeconfig`: the member this agent applies Works to (required). */
  memberKubeconfig: string;
  /** `--heartbeat-period`: how often the heartbeat Lease is renewed, in ms. @defaultValue 10000 */
  heartbeatPeriodMs: number;
  /**
   * `--lease-duration`: the heartbeat's window, in ms (whole seconds): the federation marks the
   * cluster NotReady this long after the last renewal. @defaultValue 40000
   */
  leaseDurationMs: number;
  /** `--resync-period`: every Work is applied and reported again this often, in ms. @defaultValue 10000 */
  resyncMs: number;
  /** `--verbose`: log to stderr. @defaultValue false */
  verbose: boolean;
  /** `--metrics-bind-address IP:PORT`: plain-HTTP /metrics on loopback (port 0 = any). @defaultValue off */
  metricsBindAddress?: string | undefined;
}

/** Defaults of every optional field. */
export const defaults: Omit<AgentOptions, 'kubeconfig' | 'clusterName' | 'memberKubeconfig'> = {
  heartbeatPeriodMs: 10_000,
  leaseDurationMs: 40_000,
  resyncMs: 10_000,
  verbose: false,
};

/** Fills defaults. */
export function resolveOptions(partial: Partial<AgentOptions>): AgentOptions {
  const out: AgentOptions = { ...defaults, kubeconfig: '', clusterName: '', memberKubeconfig: '' };
  for (const [k, v] of Object.entries(partial)) {
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Usage text. */
export const usage = `usage: flotilla-agent --kubeconfig PATH --cluster-name NAME --member-kubeconfig PATH [flags]
  --kubeconfig PATH          the federation, with the agent's identity (written by flotilla register)
  --cluster-name NAME        the Pull cluster this agent syncs
  --member-kubeconfig PATH   the member cluster to apply Works to
  --heartbeat-period D       heartbeat Lease renewal period, e.g. 10s, 500ms (default 10s)
  --lease-duration D         heartbeat window, whole seconds, e.g. 40s (default 40s)
  --resync-period D          every Work is re-applied and re-reported this often (default 10s)
  --metrics-bind-address IP:PORT  plain-HTTP /metrics (the Work queue's series) on loopback, port 0 = any
  --verbose                  log to stderr
  -h, --help                 show this help
`;

export { parseDuration } from '../../machinery/cmd/flags.js';

/** Options of the `flotilla-service-proxy` command (the member's kube-proxy). */

/** Typed options of `flotilla-service-proxy` (flags map 1:1, kebab-case). */
export interface ServiceProxyCommandOptions {
  /** `--kubeconfig` (required): the proxy's identity on the member API (`system:kube-proxy`). */
  kubeconfig: string;
  /**
   * `--metrics-bind-address IP:PORT`: plain-HTTP /metrics on a loopback address, port 0 = any.
   * @defaultValue off
   */
  metricsBindAddress: string | undefined;
  /** `--udp-idle-timeout`: a UDP session without traffic this long is closed (ms). @defaultValue 30000 */
  udpIdleTimeoutMs: number;
  /** `--connect-timeout`: a backend connect slower than this tries the next one (ms). @defaultValue 3000 */
  connectTimeoutMs: number;
  /** `--bind-retry-interval`: between two listen attempts, e.g. a cluster-set IP in standby (ms). @defaultValue 500 */
  bindRetryMs: number;
}

/** Defaults for every optional field. */
export const serviceProxyDefaults: Omit<ServiceProxyCommandOptions, 'kubeconfig'> = {
  metricsBindAddress: undefined,
  udpIdleTimeoutMs: 30_000,
  connectTimeoutMs: 3000,
  bindRetryMs: 500,
};

/** Fills defaults. */
export function resolveServiceProxyOptions(
  partial: Partial<ServiceProxyCommandOptions>,
): ServiceProxyCommandOptions {
  const out: ServiceProxyCommandOptions = { ...serviceProxyDefaults, kubeconfig: '' };
  for (const [k, v] of Object.entries(partial)) {
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Usage text. */
export const serviceProxyUsage = `usage: flotilla-service-proxy --kubeconfig PATH [flags]
  Serves the member's Service ClusterIPs, node ports and cluster-set IPs (ServiceImports) that lie
  in 127.0.0.0/8, forwarding to ready endpoints (kube-proxy's role, in user space).
  --kubeconfig PATH                 the proxy's identity on the member API (system:kube-proxy)
  --metrics-bind-address IP:PORT    plain-HTTP /metrics on loopback, port 0 = any (default off)
  --udp-idle-timeout D              close a UDP session idle this long (default 30s)
  --connect-timeout D               try the next endpoint after this long (default 3s)
  --bind-retry-interval D           retry a taken address this often (default 500ms)
  -h, --help                        show this help
`;

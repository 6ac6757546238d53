/** Options of the `flotilla-kubelet` command (one node agent that joins a member cluster). */

/** Typed options of `flotilla-kubelet` (flags map 1:1, kebab-case). */
export interface KubeletCommandOptions {
  /** `--node-name` (required): the Node's name, a DNS-1123 subdomain. */
  nodeName: string;
  /** `--node-ip` (required): the node's IPv4 address (InternalIP, hostPorts, kubelet API); 127.x.y.z locally. */
  nodeIp: string;
  /** `--kubeconfig` (required): where the client-certificate kubeconfig is written and reused. */
  kubeconfig: string;
  /** `--bootstrap-kubeconfig`: token kubeconfig used when `--kubeconfig` holds no valid certificate. */
  bootstrapKubeconfig: string | undefined;
  /** `--cert-dir`: certificates and keys. @defaultValue `<dir of --kubeconfig>/pki` */
  certDir: string | undefined;
  /** `--port`: kubelet API port on the node IP (0 = any). @defaultValue 10250 */
  port: number;
  /** `--runtime docker|hollow`. @defaultValue docker */
  runtime: string;
  /** `--docker-socket`. @defaultValue /var/lib/flotilla-docker/docker.sock */
  dockerSocket: string;
  /** `--cluster-id`: the cluster id containers are labelled with (kube-system uid). @defaultValue '' */
  clusterId: string;
  /** `--node-labels k=v,...`: extra Node labels. @defaultValue none */
  nodeLabels: string | undefined;
  /** `--node-status-update-frequency`: seconds between Lease renewals and status. @defaultValue 10 */
  nodeStatusUpdateFrequency: number;
  /** `--sync-frequency`: seconds between full pod resyncs. @defaultValue 1 */
  syncFrequency: number;
  /** `--verbose`: log to stderr. @defaultValue false */
  verbose: boolean;
}

/** Defaults for every optional field. */
export const kubeletDefaults: Omit<KubeletCommandOptions, 'nodeName' | 'nodeIp' | 'kubeconfig'> = {
  bootstrapKubeconfig: undefined,
  certDir: undefined,
  port: 10250,
  runtime: 'docker',
  dockerSocket: '/var/lib/flotilla-docker/docker.sock',
  clusterId: '',
  nodeLabels: undefined,
  nodeStatusUpdateFrequency: 10,
  syncFrequency: 1,
  verbose: false,
};

/** Fills defaults. */
export function resolveKubeletOptions(
  partial: Partial<KubeletCommandOptions>,
): KubeletCommandOptions {
  const out: KubeletCommandOptions = {
    ...kubeletDefaults,
    nodeName: '',
    nodeIp: '',
    kubeconfig: '',
  };
  for (const [k, v] of Object.entries(partial)) {
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** `k=v,k2=v2` → labels (validated by validateKubeletOptions). */
export function parseNodeLabels(spec: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (spec ?? '').split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Usage text. */
export const kubeletUsage = `usage: flotilla-kubelet --node-name NAME --node-ip 127.X.Y.Z --kubeconfig PATH [flags]
  --node-name NAME                 the Node's name (DNS-1123 subdomain)
  --node-ip ADDR                   the node's IPv4 address (pods, ports, kubelet API; 127.x.y.z locally)
  --kubeconfig PATH                client-certificate kubeconfig: written after TLS bootstrap,
                                   reused on restart while its certificate is valid
  --bootstrap-kubeconfig PATH      bootstrap-token kubeconfig (when --kubeconfig has no valid cert)
  --cert-dir DIR                   certificates and keys (default <dir of --kubeconfig>/pki)
  --port N                         kubelet API port on --node-ip (default 10250, 0 = any)
  --runtime docker|hollow          container runtime (default docker)
  --docker-socket PATH             dockerd socket (default /var/lib/flotilla-docker/docker.sock)
  --cluster-id ID                  cluster id containers are labelled with (default none)
  --node-labels K=V,...            extra Node labels
  --node-status-update-frequency S seconds between Lease renewals / node status (default 10)
  --sync-frequency S               seconds between full pod resyncs (default 1)
  --verbose                        log to stderr
  -h, --help                       show this help
`;

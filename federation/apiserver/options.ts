/** Options of `flotilla-federation-apiserver` (one federation API server replica). */

/** Typed options of the federation API server binary (flags map 1:1, kebab-case, as kube-apiserver's). */
export interface FederationApiServerOptions {
  /** `--etcd-servers`: comma-separated etcd client URLs (required). */
  etcdServers: string[];
  /** `--etcd-prefix`. @defaultValue /flotilla/federation */
  etcdPrefix: string;
  /** `--etcd-cafile`: CA of etcd's serving certificate (PEM file). */
  etcdCaFile: string | undefined;
  /** `--etcd-certfile`: client certificate for etcd (PEM file). */
  etcdCertFile: string | undefined;
  /** `--etcd-keyfile`: key of the etcd client certificate (PEM file). */
  etcdKeyFile: string | undefined;
  /** `--pki-dir`: the federation PKI folder (`ca.crt`, `ca.key`, `sa.key`; required, read only). */
  pkiDir: string;
  /** `--bind-address`: listen address (loopback only). @defaultValue 127.0.0.1 */
  bindAddress: string;
  /** `--secure-port`: HTTPS port, 0 = any free port. @defaultValue 6443 */
  securePort: number;
  /** `--encryption-provider-config`: EncryptionConfiguration file. */
  encryptionProviderConfig: string | undefined;
  /** `--audit-policy-file`: audit Policy file (with `--audit-log-path`). */
  auditPolicyFile: string | undefined;
  /** `--audit-log-path`: where audit events are appended (with `--audit-policy-file`). */
  auditLogPath: string | undefined;
  /** `--token-auth-file`: static tokens, `token,user,uid[,"group1,group2"]` per line. */
  tokenAuthFile: string | undefined;
  /** `--enable-promotion`: serve the registry.flotilla.io types and their roles. @defaultValue false */
  enablePromotion: boolean;
  /** `--verbose`: log requests' life-cycle events. @defaultValue false */
  verbose: boolean;
}

/** Defaults for every optional field. */
export const defaults: Omit<FederationApiServerOptions, 'etcdServers' | 'pkiDir'> = {
  etcdPrefix: '/flotilla/federation',
  etcdCaFile: undefined,
  etcdCertFile: undefined,
  etcdKeyFile: undefined,
  bindAddress: '127.0.0.1',
  securePort: 6443,
  encryptionProviderConfig: undefined,
  auditPolicyFile: undefined,
  auditLogPath: undefined,
  tokenAuthFile: undefined,
  enablePromotion: false,
  verbose: false,
};

/** Fills defaults. */
export function resolveOptions(
  partial: Partial<FederationApiServerOptions>,
): FederationApiServerOptions {
  const out: FederationApiServerOptions = { ...defaults, etcdServers: [], pkiDir: '' };
  for (const [k, v] of Object.entries(partial)) {
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Usage text. */
export const usage = `usage: flotilla-federation-apiserver --etcd-servers URLS --pki-dir DIR [flags]
  --etcd-servers URLS                comma-separated etcd client URLs
  --etcd-prefix PREFIX               key prefix (default /flotilla/federation)
  --etcd-cafile FILE                 CA of etcd's serving certificate
  --etcd-certfile FILE               client certificate for etcd
  --etcd-keyfile FILE                key of the etcd client certificate
  --pki-dir DIR                      federation PKI (ca.crt, ca.key, sa.key), shared by every replica
  --bind-address ADDR                listen address, loopback only (default 127.0.0.1)
  --secure-port N                    HTTPS port (default 6443; 0 = any free port)
  --encryption-provider-config FILE  encryption at rest (EncryptionConfiguration)
  --audit-policy-file FILE           audit policy (with --audit-log-path)
  --audit-log-path FILE              audit log, JSON lines (with --audit-policy-file)
  --token-auth-file FILE             static tokens: token,user,uid[,"group1,group2"] per line
  --enable-promotion                 serve registry.flotilla.io (image promotion) and its roles
  --verbose                          more logging
  -h, --help                         this text
`;

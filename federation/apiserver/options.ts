/** Options of `flotilla-federation-apiserver` (one federation API server replica). */
import {
  servingDefaults,
  type ApiServerServingOptions,
} from '../../machinery/apiserver/serving-options.js';

/**
 * Typed options of the federation API server binary (flags map 1:1, kebab-case, as
 * kube-apiserver's): the shared API server flags, with `--pki-dir` read only, and the federation's own.
 */
export interface FederationApiServerOptions extends ApiServerServingOptions {
  /** `--etcd-prefix`. @defaultValue /flotilla/federation */
  etcdPrefix: string;
  /** `--enable-promotion`: serve the registry.flotilla.io types and their roles. @defaultValue false */
  enablePromotion: boolean;
  /** `--verbose`: log requests' life-cycle events. @defaultValue false */
  verbose: boolean;
  /** `--dashboard-session-ttl`: lifetime of a web dashboard session, ms. @defaultValue 8 h */
  dashboardSessionTtlMs: number;
}

/** Defaults for every optional field. */
export const defaults: Omit<FederationApiServerOptions, 'etcdServers' | 'pkiDir'> = {
  ...servingDefaults,
  etcdPrefix: '/flotilla/federation',
  enablePromotion: false,
  verbose: false,
  dashboardSessionTtlMs: 8 * 60 * 60 * 1000,
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
  --bind-address ADDR                listen address, an IP (default 127.0.0.1; 0.0.0.0 = all)
  --secure-port N                    HTTPS port (default 6443; 0 = any free port)
  --encryption-provider-config FILE  encryption at rest (EncryptionConfiguration)
  --audit-policy-file FILE           audit policy (with --audit-log-path)
  --audit-log-path FILE              audit log, JSON lines (with --audit-policy-file)
  --token-auth-file FILE             static tokens: token,user,uid[,"group1,group2"] per line
  --event-ttl DURATION               how long Events are kept after their last write (default 1h; 0 = forever)
  --watch-cache BOOL                 serve watches from memory (default true; false: every watch and read from etcd)
  --enable-promotion                 serve registry.flotilla.io (image promotion) and its roles
  --dashboard-session-ttl DURATION   lifetime of a web dashboard session (default 8h)
  --verbose                          more logging
  -h, --help                         this text
`;

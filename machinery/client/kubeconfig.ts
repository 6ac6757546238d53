import { readFileSync } from 'node:fs';
import { dump, load } from 'js-yaml';
import { BadRequestError } from '../errors/index.js';
import type { RestClientOptions } from './rest-client.js';

/** The parts of a kubeconfig Flotilla reads and writes. */
export interface Kubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  'current-context'?: string;
  clusters: {
    name: string;
    cluster: {
      server: string;
      'certificate-authority-data'?: string;
      'insecure-skip-tls-verify'?: boolean;
    };
  }[];
  users: {
    name: string;
    user: { token?: string; 'client-certificate-data'?: string; 'client-key-data'?: string };
  }[];
  contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
}

/** Connection settings resolved from one context. */
export interface ContextConnection {
  context: string;
  server: string;
  token?: string;
  /** Client certificate and key (base64 of PEM, as in the kubeconfig). */
  clientCertData?: string;
  clientKeyData?: string;
  caData?: string;
  insecureSkipTLSVerify?: boolean;
  namespace?: string;
}

/** Options for one kubeconfig entry. */
export interface KubeconfigEntry {
  name: string;
  server: string;
  token?: string;
  namespace?: string;
  /** PEM CA certificate of the server (written base64-encoded). */
  caCert?: string;
  /** PEM client certificate and key (x509 authentication), written base64-encoded. */
  clientCert?: { cert: string; key: string };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Builds a kubeconfig YAML with one context per entry (the first is current). */
export function kubeconfigFor(...entries: KubeconfigEntry[]): string {
  const cfg: Kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [],
    users: [],
    contexts: [],
  };
  for (const e of entries) {
    cfg.clusters.push({
      name: e.name,
      cluster: {
        server: e.server,
        ...(e.caCert
          ? { 'certificate-authority-data': Buffer.from(e.caCert).toString('base64') }
          : {}),
      },
    });
    cfg.users.push({
      name: e.name,
      user: {
        ...(e.token !== undefined ? { token: e.token } : {}),
        ...(e.clientCert
          ? {
              'client-certificate-data': b64(e.clientCert.cert),
              'client-key-data': b64(e.clientCert.key),
            }
          : {}),
      },
    });
    cfg.contexts.push({
      name: e.name,
      context: {
        cluster: e.name,
        user: e.name,
        ...(e.namespace ? { namespace: e.namespace } : {}),
      },
    });
  }
  if (entries[0]) cfg['current-context'] = entries[0].name;
  return dump(cfg);
}

/** Parses kubeconfig text. @throws BadRequestError when it is not a kubeconfig. */
export function parseKubeconfig(text: string): Kubeconfig {
  const raw = load(text) as Partial<Kubeconfig> | null;
  if (
    !raw ||
    typeof raw !== 'object' ||
    !Array.isArray(raw.clusters) ||
    !Array.isArray(raw.contexts)
  ) {
    throw new BadRequestError('not a kubeconfig: clusters and contexts are required');
  }
  return { apiVersion: 'v1', kind: 'Config', users: [], ...raw } as Kubeconfig;
}

/** Resolves a context (default: current-context) of a kubeconfig. */
export function resolveContext(cfg: Kubeconfig, contextName?: string): ContextConnection {
  const name = contextName ?? cfg['current-context'];
  const ctx = cfg.contexts.find((c) => c.name === name);
  if (!ctx) throw new BadRequestError(`context "${name ?? ''}" not found in kubeconfig`);
  const cluster = cfg.clusters.find((c) => c.name === ctx.context.cluster);
  if (!cluster) {
    throw new BadRequestError(
      `cluster "${ctx.context.cluster}" of context "${ctx.name}" not found`,
    );
  }
  const user = cfg.users.find((u) => u.name === ctx.context.user);
  const out: ContextConnection = { context: ctx.name, server: cluster.cluster.server };
  if (user?.user.token !== undefined) out.token = user.user.token;
  const cert = user?.user['client-certificate-data'];
  const key = user?.user['client-key-data'];
  if (cert !== undefined && key !== undefined) {
    out.clientCertData = cert;
    out.clientKeyData = key;
  }
  const ca = cluster.cluster['certificate-authority-data'];
  if (ca !== undefined) out.caData = ca;
  if (cluster.cluster['insecure-skip-tls-verify'] === true) out.insecureSkipTLSVerify = true;
  if (ctx.context.namespace !== undefined) out.namespace = ctx.context.namespace;
  return out;
}

/** Reads a kubeconfig file and resolves a context. */
export function loadKubeconfig(path: string, contextName?: string): ContextConnection {
  return resolveContext(parseKubeconfig(readFileSync(path, 'utf8')), contextName);
}

/** RestClient options (server, token or client certificate, CA) of a resolved context. */
export function clientOptionsFor(
  c: ContextConnection,
): Pick<
  RestClientOptions,
  'server' | 'token' | 'caData' | 'certData' | 'keyData' | 'insecureSkipTLSVerify'
> {
  return {
    server: c.server,
    ...(c.token !== undefined ? { token: c.token } : {}),
    ...(c.caData !== undefined ? { caData: c.caData } : {}),
    ...(c.clientCertData !== undefined && c.clientKeyData !== undefined
      ? { certData: c.clientCertData, keyData: c.clientKeyData }
      : {}),
    ...(c.insecureSkipTLSVerify ? { insecureSkipTLSVerify: true } : {}),
  };
}

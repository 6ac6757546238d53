/**
 * What the set-up does with a cluster's PKI folder before its processes start, as kubeadm's
 * `init phase certs|kubeconfig` does: the CA and service-account key (machinery/apiserver/
 * cluster-pki.ts), one kubeconfig per component identity, the etcd client certificate files the
 * API servers read, and bootstrap tokens for kubelets and agents.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientCert } from '../../machinery/apiserver/cert-authority.js';
import { loadOrCreatePki, type ClusterPki } from '../../machinery/apiserver/cluster-pki.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { SECRETS } from '../../api/index.js';

/** A cluster's PKI plus the kubeconfigs written for its components. */
export interface ClusterIdentities {
  name: string;
  pki: ClusterPki;
  /** Folder of the component kubeconfigs (`<component>.kubeconfig`). */
  dir: string;
  /** Writes `<dir>/<component>.kubeconfig` for `user` in `groups`; returns its path. */
  kubeconfig(component: string, user: string, groups?: readonly string[]): string;
  /** The client certificate the named component's kubeconfig holds. */
  cert(component: string): ClientCert;
}

/**
 * Creates the PKI of `name` in `<state>/pki/<name>` and returns a way to issue component
 * kubeconfigs pointing at `server` (the API URL, known once its port is chosen).
 */
export function clusterIdentities(state: string, name: string, server: string): ClusterIdentities {
  const pki = loadOrCreatePki(join(state, 'pki', name), name);
  const dir = join(state, 'kubeconfigs', name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certs = new Map<string, ClientCert>();
  return {
    name,
    pki,
    dir,
    kubeconfig(component, user, groups = []) {
      const cert = pki.ca.clientCert(user, groups);
      certs.set(component, cert);
      const path = join(dir, `${component}.kubeconfig`);
      writeFileSync(path, kubeconfigFor({ name, server, clientCert: cert, caCert: pki.ca.cert }), {
        mode: 0o600,
      });
      return path;
    },
    cert(component) {
      const c = certs.get(component);
      if (!c) throw new Error(`no kubeconfig was issued for ${component} of ${name}`);
      return c;
    },
  };
}

/** etcd client credentials as files (`--etcd-cafile/--etcd-certfile/--etcd-keyfile`). */
export function writeEtcdClientFiles(
  dir: string,
  tls: { ca: string; cert: string; key: string },
): { caFile: string; certFile: string; keyFile: string } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = {
    caFile: join(dir, 'etcd-ca.crt'),
    certFile: join(dir, 'etcd-client.crt'),
    keyFile: join(dir, 'etcd-client.key'),
  };
  writeFileSync(files.caFile, tls.ca);
  writeFileSync(files.certFile, tls.cert);
  writeFileSync(files.keyFile, tls.key, { mode: 0o600 });
  return files;
}

/**
 * Creates a bootstrap token (`<id>.<secret>`, the Secret `bootstrap-token-<id>` in kube-system
 * with `usage-bootstrap-authentication`) valid for `ttlSeconds`, in the given extra groups.
 */
export async function createBootstrapToken(
  admin: KubeClient,
  opts: { description: string; ttlSeconds?: number; extraGroups?: string[] },
): Promise<string> {
  const id = randomBytes(3).toString('hex');
  const secret = randomBytes(8).toString('hex');
  const expiration = new Date(Date.now() + (opts.ttlSeconds ?? 24 * 3600) * 1000)
    .toISOString()
    .replace(/\.\d+Z$/, 'Z');
  await admin.resource(SECRETS, 'kube-system').create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    stringData: {
      description: opts.description,
      'token-id': id,
      'token-secret': secret,
      expiration,
      'usage-bootstrap-authentication': 'true',
      ...(opts.extraGroups?.length ? { 'auth-extra-groups': opts.extraGroups.join(',') } : {}),
    },
  });
  return `${id}.${secret}`;
}

/** A kubeconfig holding a bearer token (a kubelet's or agent's bootstrap kubeconfig). */
export function writeTokenKubeconfig(
  path: string,
  opts: { name: string; server: string; token: string; caCert: string },
): void {
  writeFileSync(
    path,
    kubeconfigFor({ name: opts.name, server: opts.server, token: opts.token, caCert: opts.caCert }),
    { mode: 0o600 },
  );
}

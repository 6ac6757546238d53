// Component identities for integration tests: client certificates signed by a cluster CA, as a
// RestClient or as a kubeconfig file a binary reads (mode 0600, as kubeadm writes them).
import { writeFileSync } from 'node:fs';
import type { CertificateAuthority } from '../../machinery/apiserver/cert-authority.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';

/** A client of `server` as `user` (in `groups`), trusting `ca` for the server's certificate. */
export function certClient(
  server: string,
  ca: CertificateAuthority,
  user: string,
  groups: string[] = [],
): RestClient {
  const cert = ca.clientCert(user, groups);
  return new RestClient({ server, certData: cert.cert, keyData: cert.key, caData: ca.cert });
}

/** What {@link writeCertKubeconfig} writes. */
export interface CertKubeconfig {
  /** Cluster, user and context name. */
  name: string;
  server: string;
  ca: CertificateAuthority;
  user: string;
  groups?: string[];
}

/** Writes a kubeconfig with a client certificate of `user` signed by `ca`; returns `path`. */
export function writeCertKubeconfig(path: string, k: CertKubeconfig): string {
  const clientCert = k.ca.clientCert(k.user, k.groups ?? []);
  writeFileSync(
    path,
    kubeconfigFor({ name: k.name, server: k.server, clientCert, caCert: k.ca.cert }),
    { mode: 0o600 },
  );
  return path;
}

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { CertificateAuthority, type ClientCert } from './cert-authority.js';

/**
 * A cluster's PKI folder, as kubeadm lays out /etc/kubernetes/pki: the cluster CA (`ca.crt`,
 * `ca.key`) and the service-account signing key (`sa.key`). Every process of one cluster (its API
 * servers, controller manager, kubelets' bootstrap) reads the same folder, so N API servers
 * accept each other's certificates and tokens. Private keys are written with mode 0600.
 */
export interface ClusterPki {
  ca: CertificateAuthority;
  /** PKCS#8 PEM of the P-256 service-account token signing key. */
  serviceAccountKey: string;
  dir: string;
}

export const PKI_FILES = { caCert: 'ca.crt', caKey: 'ca.key', saKey: 'sa.key' } as const;

/** Reads the cluster PKI in `dir`, creating the CA and signing key first where missing. */
export function loadOrCreatePki(dir: string, clusterName: string): ClusterPki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caCert = join(dir, PKI_FILES.caCert);
  const caKey = join(dir, PKI_FILES.caKey);
  const saKey = join(dir, PKI_FILES.saKey);
  if (!existsSync(caCert) || !existsSync(caKey)) {
    const ca = CertificateAuthority.create(`${clusterName}-ca`);
    writeFileSync(caKey, ca.privateKeyPem(), { mode: 0o600 });
    writeFileSync(caCert, ca.cert);
  }
  if (!existsSync(saKey)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
      mode: 0o600,
    });
  }
  return loadPki(dir);
}

/** Reads an existing cluster PKI folder (throws when a file is missing). */
export function loadPki(dir: string): ClusterPki {
  return {
    ca: CertificateAuthority.fromPem(
      readFileSync(join(dir, PKI_FILES.caCert), 'utf8'),
      readFileSync(join(dir, PKI_FILES.caKey), 'utf8'),
    ),
    serviceAccountKey: readFileSync(join(dir, PKI_FILES.saKey), 'utf8'),
    dir,
  };
}

/** Writes a client certificate pair beside the PKI (`<name>.crt`, `<name>.key` 0600). */
export function writeClientCert(dir: string, name: string, cert: ClientCert): void {
  writeFileSync(join(dir, `${name}.crt`), cert.cert);
  writeFileSync(join(dir, `${name}.key`), cert.key, { mode: 0o600 });
}

/**
 * Kubelet TLS bootstrap: with a bootstrap token, ask the cluster for a client certificate of the
 * node's own identity (`system:node:<name>` in `system:nodes`) through a CertificateSigningRequest
 * and keep it in a kubeconfig; then, as the node, ask for a serving certificate for the kubelet API.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import {
  kubeconfigFor,
  loadKubeconfig,
  type ContextConnection,
} from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import type { Logger } from '../../machinery/controller/index.js';
import {
  CERTIFICATE_SIGNING_REQUESTS,
  csrCondition,
  KUBELET_CLIENT_SIGNER,
  KUBELET_SERVING_SIGNER,
  type CertificateSigningRequest,
  type KeyUsage,
} from '../../api/index.js';
import {
  NODE_USER_PREFIX as NODE_PREFIX,
  NODES_GROUP,
} from '../cluster/member-bootstrap-policy.js';
import { createCsrPem, newPrivateKey } from './certificate-request.js';

/** A certificate this close to expiry is not reused. */
const RENEW_BEFORE_MS = 5 * 60_000;

/** Options for {@link bootstrapClientCredentials} and {@link requestServingCert}. */
export interface TlsBootstrapOptions {
  nodeName: string;
  /** Token kubeconfig (only needed when `kubeconfigPath` holds no valid certificate). */
  bootstrapKubeconfig?: string;
  /** Where the client-certificate kubeconfig is written (and read back on restart). */
  kubeconfigPath: string;
  /** Where the certificates and keys are kept (`kubelet-client.*`, `kubelet-server.*`). */
  certDir: string;
  /** Polling of the CSR while it waits for approval and signing. @defaultValue 500 */
  pollMs?: number;
  logger?: Logger;
}

/** The node's client connection and the cluster CA. */
export interface NodeCredentials {
  connection: ContextConnection;
  /** The cluster CA (PEM). */
  caCert: string;
}

const pem = (data: string): string =>
  data.includes('BEGIN') ? data : Buffer.from(data, 'base64').toString('utf8');

/** True when `certPem` is valid for a while yet and names `commonName`. */
export function certStillValid(
  certPem: string,
  commonName: string,
  now = Date.now(),
  caPem?: string,
): boolean {
  try {
    const x = new X509Certificate(certPem);
    if (Date.parse(x.validTo) - RENEW_BEFORE_MS <= now || Date.parse(x.validFrom) > now) {
      return false;
    }
    if (!x.subject.split('\n').includes(`CN=${commonName}`)) return false;
    return caPem === undefined || x.verify(new X509Certificate(caPem).publicKey);
  } catch {
    return false;
  }
}

/** The kubeconfig's connection when it holds a still-valid certificate of this node. */
function reusable(opts: TlsBootstrapOptions): NodeCredentials | undefined {
  if (!existsSync(opts.kubeconfigPath)) return undefined;
  try {
    const c = loadKubeconfig(opts.kubeconfigPath);
    if (c.clientCertData === undefined || c.caData === undefined) return undefined;
    const ca = pem(c.caData);
    if (!certStillValid(pem(c.clientCertData), `${NODE_PREFIX}${opts.nodeName}`, Date.now(), ca)) {
      return undefined;
    }
    return { connection: c, caCert: ca };
  } catch {
    return undefined;
  }
}

/** Why a CSR will never be signed. */
export class CertificateRequestRefusedError extends Error {
  readonly csrName: string;

  constructor(csrName: string, why: string) {
    super(`certificate signing request ${csrName} ${why}`);
    this.name = 'CertificateRequestRefusedError';
    this.csrName = csrName;
  }
}

/** Resolves after `ms`, or rejects when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Creates a CSR for `keyPem` and waits until it is signed; resolves to the certificate (PEM).
 * @throws CertificateRequestRefusedError when it is denied or fails
 */
export async function requestCertificate(
  client: KubeClient,
  req: {
    signerName: string;
    usages: KeyUsage[];
    keyPem: string;
    nodeName: string;
    ipSans?: readonly string[];
  },
  signal: AbortSignal,
  pollMs = 500,
): Promise<string> {
  const csrs = client.resource<CertificateSigningRequest>(CERTIFICATE_SIGNING_REQUESTS);
  const request = createCsrPem(req.keyPem, {
    commonName: `${NODE_PREFIX}${req.nodeName}`,
    organizations: [NODES_GROUP],
    ...(req.ipSans ? { ipSans: req.ipSans } : {}),
  });
  const created = await csrs.create({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: `node-csr-${randomBytes(6).toString('hex')}` },
    spec: {
      request: Buffer.from(request).toString('base64'),
      signerName: req.signerName,
      usages: req.usages,
    },
  });
  const name = created.metadata.name ?? '';
  for (;;) {
    const cur = await csrs.get(name);
    const refused = csrCondition(cur, 'Denied') ?? csrCondition(cur, 'Failed');
    if (refused) {
      throw new CertificateRequestRefusedError(
        name,
        `was ${refused.type === 'Denied' ? 'denied' : 'not signed'}: ${refused.message ?? refused.reason ?? ''}`,
      );
    }
    if (cur.status?.certificate) return pem(cur.status.certificate);
    await sleep(pollMs, signal);
  }
}

/**
 * The node's client credentials: the kubeconfig at `kubeconfigPath` when its certificate is still
 * valid, else a new key and a `kubernetes.io/kube-apiserver-client-kubelet` CSR sent with the
 * bootstrap token (approved by the csrapproving controller), written to `kubeconfigPath`.
 */
export async function bootstrapClientCredentials(
  opts: TlsBootstrapOptions,
  signal: AbortSignal,
): Promise<NodeCredentials> {
  const existing = reusable(opts);
  if (existing) {
    opts.logger?.info(`reusing the client certificate in ${opts.kubeconfigPath}`);
    return existing;
  }
  if (opts.bootstrapKubeconfig === undefined) {
    throw new Error(
      `${opts.kubeconfigPath} holds no valid certificate and no --bootstrap-kubeconfig was given`,
    );
  }
  const boot = loadKubeconfig(opts.bootstrapKubeconfig);
  if (boot.caData === undefined) {
    throw new Error(`${opts.bootstrapKubeconfig}: certificate-authority-data is required`);
  }
  const caCert = pem(boot.caData);
  const client = new RestClient({
    server: boot.server,
    caData: caCert,
    ...(boot.token !== undefined ? { token: boot.token } : {}),
    ...(boot.clientCertData !== undefined && boot.clientKeyData !== undefined
      ? { certData: boot.clientCertData, keyData: boot.clientKeyData }
      : {}),
    userAgent: `flotilla-kubelet/${opts.nodeName} bootstrap`,
  });
  try {
    const key = newPrivateKey();
    opts.logger?.info('requesting a client certificate with the bootstrap token');
    const cert = await requestCertificate(
      client,
      {
        signerName: KUBELET_CLIENT_SIGNER,
        usages: ['digital signature', 'client auth'],
        keyPem: key,
        nodeName: opts.nodeName,
      },
      signal,
      opts.pollMs,
    );
    mkdirSync(opts.certDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(opts.certDir, 'kubelet-client.crt'), cert);
    writeFileSync(join(opts.certDir, 'kubelet-client.key'), key, { mode: 0o600 });
    mkdirSync(dirname(opts.kubeconfigPath), { recursive: true });
    writeFileSync(
      opts.kubeconfigPath,
      kubeconfigFor({
        name: 'default',
        server: boot.server,
        caCert,
        clientCert: { cert, key },
      }),
      { mode: 0o600 },
    );
    return { connection: loadKubeconfig(opts.kubeconfigPath), caCert };
  } finally {
    client.close();
  }
}

/** The serving certificate in `certDir`, when still valid for `nodeIp` and signed by `caCert`. */
export function reusableServingCert(
  opts: Pick<TlsBootstrapOptions, 'certDir' | 'nodeName'>,
  nodeIp: string,
  caCert: string,
): { cert: string; key: string } | undefined {
  const certFile = join(opts.certDir, 'kubelet-server.crt');
  const keyFile = join(opts.certDir, 'kubelet-server.key');
  if (!existsSync(certFile) || !existsSync(keyFile)) return undefined;
  const cert = readFileSync(certFile, 'utf8');
  if (!certStillValid(cert, `${NODE_PREFIX}${opts.nodeName}`, Date.now(), caCert)) return undefined;
  if (new X509Certificate(cert).checkIP(nodeIp) === undefined) return undefined;
  return { cert, key: readFileSync(keyFile, 'utf8') };
}

/**
 * A CA-signed serving certificate for the kubelet API on `nodeIp`: a
 * `kubernetes.io/kubelet-serving` CSR sent as the node. It needs an approver (a human with
 * `kubectl certificate approve`, as kube-controller-manager never approves serving certificates)
 * and the csrsigning controller; written to `certDir/kubelet-server.{crt,key}`.
 */
export async function requestServingCert(
  client: KubeClient,
  opts: Pick<TlsBootstrapOptions, 'certDir' | 'nodeName' | 'pollMs'>,
  nodeIp: string,
  signal: AbortSignal,
): Promise<{ cert: string; key: string }> {
  const key = newPrivateKey();
  const cert = await requestCertificate(
    client,
    {
      signerName: KUBELET_SERVING_SIGNER,
      usages: ['digital signature', 'server auth'],
      keyPem: key,
      nodeName: opts.nodeName,
      ipSans: [nodeIp],
    },
    signal,
    opts.pollMs,
  );
  mkdirSync(opts.certDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(opts.certDir, 'kubelet-server.crt'), cert);
  writeFileSync(join(opts.certDir, 'kubelet-server.key'), key, { mode: 0o600 });
  return { cert, key };
}

/**
 * The kubelet as its own process: TLS bootstrap, then the node agent under the node's identity
 * and the kubelet HTTPS API the member API server proxies `pods/log` to.
 */
import { Registry } from 'prom-client';
import { selfSignedCert } from '../../machinery/apiserver/serving-cert.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { consoleLogger, type Logger } from '../../machinery/controller/index.js';
import type { ContainerRuntime } from './container-runtime.js';
import { Kubelet, type KubeletOptions } from './kubelet.js';
import { KubeletServer } from './kubelet-server.js';
import {
  bootstrapClientCredentials,
  requestServingCert,
  reusableServingCert,
  type TlsBootstrapOptions,
} from './tls-bootstrap.js';

/** Options for {@link runKubeletProcess}. */
export interface KubeletProcessOptions extends TlsBootstrapOptions {
  /** The node's loopback address: pods' IP, published ports, and the kubelet API. */
  nodeIp: string;
  /** Kubelet API port (0 = any free port). */
  port: number;
  runtime: ContainerRuntime;
  /** Timings and labels of the node agent. */
  kubelet?: Pick<
    KubeletOptions,
    | 'clusterId'
    | 'labels'
    | 'heartbeatMs'
    | 'syncPeriodMs'
    | 'crashLoopBaseMs'
    | 'crashLoopMaxMs'
    | 'imagePullBaseMs'
    | 'imagePullMaxMs'
  >;
  logger?: Logger;
  /** Called once the kubelet API listens, with its port. */
  onListening?: (port: number) => void;
}

/**
 * Bootstraps the node's credentials, starts the kubelet API (self-signed until the
 * `kubelet-serving` CSR is approved and signed, then with the CA-signed certificate), and runs
 * the kubelet until the signal aborts.
 */
export async function runKubeletProcess(
  opts: KubeletProcessOptions,
  signal: AbortSignal,
): Promise<void> {
  const log = opts.logger ?? consoleLogger(`kubelet ${opts.nodeName}`, true);
  const creds = await bootstrapClientCredentials({ ...opts, logger: log }, signal);
  const c = creds.connection;
  const client = new RestClient({
    server: c.server,
    caData: creds.caCert,
    ...(c.clientCertData !== undefined && c.clientKeyData !== undefined
      ? { certData: c.clientCertData, keyData: c.clientKeyData }
      : {}),
    userAgent: `flotilla-kubelet/${opts.nodeName}`,
  });
  const signed = reusableServingCert(opts, opts.nodeIp, creds.caCert);
  // until the CA signs one: self-signed, so the API is up (the API server will not trust it)
  const initial = signed ?? selfSignedCert([opts.nodeIp], []);
  // the API answers /pods from the kubelet's cache once it exists
  const ref: { kubelet?: Kubelet } = {};
  // the kubelet's own series, on its API's /metrics (`kubectl get --raw
  // /api/v1/nodes/<node>/proxy/metrics` through the API server)
  const registry = new Registry();
  const server = new KubeletServer({
    host: opts.nodeIp,
    port: opts.port,
    cert: initial.cert,
    key: initial.key,
    clientCa: creds.caCert,
    runtime: opts.runtime,
    pods: () => ref.kubelet?.boundPods() ?? [],
    nodeName: opts.nodeName,
    metrics: { contentType: registry.contentType, render: () => registry.metrics() },
    logger: log,
  });
  const port = await server.listen();
  opts.onListening?.(port);
  const kubelet = new Kubelet({
    ...(opts.kubelet ?? {}),
    client,
    nodeName: opts.nodeName,
    nodeAddress: opts.nodeIp,
    runtime: opts.runtime,
    kubeletPort: port,
    metricsRegistry: registry,
    logger: log,
  });
  ref.kubelet = kubelet;
  // the serving-certificate request ends with the kubelet: on a stop, and on a failed run (whose
  // error must surface instead of waiting for an approval that never comes)
  const servingStop = new AbortController();
  const stopServing = (): void => servingStop.abort();
  signal.addEventListener('abort', stopServing);
  const serving = signed
    ? Promise.resolve()
    : requestServingCert(client, opts, opts.nodeIp, servingStop.signal).then(
        (cert) => {
          server.setServingCert(cert.cert, cert.key);
          log.info('kubelet API now serves its CA-signed certificate');
        },
        (err: unknown) => {
          if (!servingStop.signal.aborted) log.warn(`serving certificate: ${String(err)}`);
        },
      );
  try {
    await kubelet.run(signal);
  } finally {
    stopServing();
    signal.removeEventListener('abort', stopServing);
    await server.close();
    await serving;
    client.close();
  }
}

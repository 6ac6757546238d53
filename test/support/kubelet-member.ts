// A kubelet (in-process runKubeletProcess, its own HTTPS API) joined to a member API server of a
// test: the csrapproving/csrsigning controllers, a node client certificate given up front, the
// serving CSR approved with `kubectl certificate approve`, the Node Ready.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ClusterAuthentication } from '../../machinery/apiserver/cluster-authentication.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { consoleLogger, type Logger } from '../../machinery/controller/index.js';
import { InformerFactory } from '../../machinery/informer/index.js';
import { waitFor } from '../../hack/lib/ports.js';
import {
  CERTIFICATE_SIGNING_REQUESTS,
  KUBELET_SERVING_SIGNER,
  NODES,
  type CertificateSigningRequest,
  type Node,
} from '../../api/index.js';
import type { RunningMemberApiServer } from '../../member/apiserver/index.js';
import { CONTROLLER_MANAGER_USER } from '../../member/cluster/member-bootstrap-policy.js';
import { memberControllerManager } from '../../member/controllers/index.js';
import { defaultClusterCidr } from '../../member/cluster/default-cluster-cidr.js';
import type { ContainerRuntime } from '../../member/kubelet/container-runtime.js';
import {
  runKubeletProcess,
  type KubeletProcessOptions,
} from '../../member/kubelet/kubelet-process.js';

/** What {@link joinKubelet} needs. */
export interface JoinKubeletOptions {
  api: RunningMemberApiServer;
  auth: ClusterAuthentication;
  /** A system:masters client and kubeconfig of the API server. */
  admin: RestClient;
  adminKubeconfig: string;
  nodeName: string;
  nodeIp: string;
  runtime: ContainerRuntime;
  /** Where the kubelet keeps its kubeconfig and certificates. */
  dir: string;
  signal: AbortSignal;
}

/** What {@link startKubeletNode} needs: {@link JoinKubeletOptions} plus kubelet timings. */
export interface KubeletNodeOptions extends JoinKubeletOptions {
  /** Kubelet options beside its cluster ID. @defaultValue heartbeat 1 s, sync 500 ms */
  kubelet?: Omit<NonNullable<KubeletProcessOptions['kubelet']>, 'clusterId'>;
  logger?: Logger;
}

/** Starts the controllers and the kubelet; resolves once the Node is Ready, to what runs. */
export async function joinKubelet(o: JoinKubeletOptions): Promise<Promise<void>[]> {
  const cmCert = o.auth.clientCert(CONTROLLER_MANAGER_USER);
  const cm = new RestClient({
    server: o.api.url,
    certData: cmCert.cert,
    keyData: cmCert.key,
    caData: o.api.tls.cert,
  });
  const informers = new InformerFactory(cm);
  const manager = memberControllerManager(
    {
      client: cm,
      informers,
      logger: consoleLogger('cm', true),
      now: () => new Date(),
      signer: o.auth.ca,
    },
    // Nodes get a podCIDR (pods wait for one)
    { nodeIpam: { clusterCidr: defaultClusterCidr(), nodeCidrMaskSize: 26 } },
  );
  informers.start(o.signal);
  const running = [
    manager
      .run(o.signal, 'csrapproving,csrsigning,nodeipam')
      .then(() => informers.stopped())
      .finally(() => cm.close()),
  ];
  running.push((await startKubeletNode(o)).run);
  return running;
}

/**
 * Starts the kubelet with a node client certificate given up front, approves its serving CSR
 * with `kubectl certificate approve` (the API server then trusts its HTTPS API), and resolves
 * once the Node is Ready, to the kubelet's run (wrapped: an async function cannot resolve to a
 * pending promise). The csrsigning controller must be running.
 */
export async function startKubeletNode(o: KubeletNodeOptions): Promise<{ run: Promise<void> }> {
  mkdirSync(o.dir, { recursive: true });
  const kubeconfig = join(o.dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    kubeconfigFor({
      name: 'default',
      server: o.api.url,
      caCert: o.auth.ca.cert,
      clientCert: o.auth.clientCert(`system:node:${o.nodeName}`, ['system:nodes']),
    }),
  );
  const running = runKubeletProcess(
    {
      nodeName: o.nodeName,
      nodeIp: o.nodeIp,
      port: 0,
      runtime: o.runtime,
      kubeconfigPath: kubeconfig,
      certDir: join(o.dir, 'pki'),
      pollMs: 200,
      kubelet: {
        clusterId: o.api.clusterId,
        heartbeatMs: 1000,
        syncPeriodMs: 500,
        ...o.kubelet,
      },
      logger: o.logger ?? consoleLogger('kubelet', true),
    },
    o.signal,
  );
  // the API server trusts the kubelet's serving certificate once the cluster CA signed it
  const csrs = o.admin.resource<CertificateSigningRequest>(CERTIFICATE_SIGNING_REQUESTS);
  let serving = '';
  await waitFor('the kubelet serving CSR', async () => {
    const csr = (await csrs.list()).items.find((c) => c.spec.signerName === KUBELET_SERVING_SIGNER);
    serving = csr?.metadata.name ?? '';
    return serving !== '';
  });
  await promisify(execFile)('kubectl', [
    '--kubeconfig',
    o.adminKubeconfig,
    'certificate',
    'approve',
    serving,
  ]);
  await waitFor('the node Ready', async () => {
    const n = await o.admin
      .resource<Node>(NODES)
      .get(o.nodeName)
      .catch(() => undefined);
    return n?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  });
  return { run: running };
}

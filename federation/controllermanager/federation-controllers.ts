/**
 * The federation's controllers, built on one set of informers and registered under the names
 * `--controllers` takes (FEDERATION_CONTROLLERS), mcs (multi-cluster services) among them.
 */
import {
  CONFIGMAPS,
  CRONJOBS,
  DAEMONSETS,
  DEPLOYMENTS,
  JOBS,
  SECRETS,
  SERVICEEXPORTS,
  SERVICES,
  STATEFULSETS,
} from '../../api/index.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Logger } from '../../machinery/controller/index.js';
import { ControllerManager } from '../../machinery/controller/index.js';
import { InformerFactory } from '../../machinery/informer/index.js';
import { registryOf } from '../../machinery/metrics/metric-factory.js';
import type { WorkqueueMetricsProvider } from '../../machinery/workqueue/metrics.js';
import {
  ClusterHealthController,
  type ClusterHealthOptions,
} from '../controllers/cluster/cluster-health-controller.js';
import { ClusterCleanupController } from '../controllers/cluster/cluster-cleanup-controller.js';
import { ClusterClients, FEDERATION_SYSTEM_NAMESPACE } from '../controllers/cluster-clients.js';
import {
  GarbageCollectorController,
  type CollectedType,
} from '../controllers/garbagecollector/garbage-collector-controller.js';
import { FederationNamespaceController } from '../controllers/namespace/namespace-controller.js';
import { AgentCsrController } from '../controllers/agentcsr/agent-csr-controller.js';
import { McsController } from '../controllers/mcs/mcs-controller.js';
import { DeploymentHistoryController } from '../controllers/deploymenthistory/deployment-history-controller.js';
import { randomClustersetIpRange } from '../controllers/mcs/clusterset-ip-allocator.js';
import { ExecutionNamespaceController } from '../controllers/cluster/execution-namespace-controller.js';
import type { CertificateAuthority } from '../../machinery/apiserver/cert-authority.js';
import {
  PropagationController,
  type ImageGate,
  type TemplateType,
} from '../controllers/propagation/propagation-controller.js';
import { CRD_TEMPLATE_TYPE } from '../controllers/propagation/custom-resource-kinds.js';

/** Names accepted by `--controllers`. */
export const FEDERATION_CONTROLLERS: readonly string[] = [
  'cluster-health',
  'cluster-cleanup',
  'propagation',
  'garbage-collector',
  'execution-namespace',
  'agent-csr',
  'namespace',
  'mcs',
  'deployment-history',
];

/**
 * The built-in kinds the propagation controller copies into members. CustomResourceDefinitions
 * ({@link CRD_TEMPLATE_TYPE}) and the custom kinds of the federation's Established CRDs are
 * propagated too, found at run time.
 */
export const PROPAGATED_TYPES: TemplateType[] = [
  { gvr: DEPLOYMENTS, kind: 'Deployment', apiVersion: 'apps/v1', status: true },
  { gvr: STATEFULSETS, kind: 'StatefulSet', apiVersion: 'apps/v1', status: true },
  // its members' counts summed (status.succeeded of a divided Job adds up to its completions)
  { gvr: JOBS, kind: 'Job', apiVersion: 'batch/v1', status: true },
  // no replicas: Duplicated, one pod per node of each member; the members' counts summed
  { gvr: DAEMONSETS, kind: 'DaemonSet', apiVersion: 'apps/v1', status: true },
  // each member schedules its own Jobs; the latest schedule and success times aggregated
  { gvr: CRONJOBS, kind: 'CronJob', apiVersion: 'batch/v1', status: true },
  { gvr: SERVICES, kind: 'Service', apiVersion: 'v1', status: false },
  { gvr: CONFIGMAPS, kind: 'ConfigMap', apiVersion: 'v1', status: false },
  { gvr: SECRETS, kind: 'Secret', apiVersion: 'v1', status: false },
  // the member's own conditions (set by the MCS controller) stay the member's
  {
    gvr: SERVICEEXPORTS,
    kind: 'ServiceExport',
    apiVersion: 'multicluster.x-k8s.io/v1alpha1',
    status: false,
  },
];

/** Tuning of the controllers (today's FederationControlPlane options). */
export interface FederationControllerSettings {
  /** Resync of each propagated template. @defaultValue 5000 */
  resyncMs?: number;
  /**
   * Templates the resource detector, and bindings the binding controller, reconcile at once.
   * @defaultValue 32
   */
  propagationWorkers?: number;
  /** How often Ready members are swept for objects of deleted templates. @defaultValue 60000 */
  sweepPeriodMs?: number;
  /**
   * How long a deleted Cluster's member-side cleanup is retried before the Cluster is marked
   * `CleanupFailed` (see ClusterCleanupOptions). @defaultValue 120000
   */
  clusterCleanupTimeoutMs?: number;
  /**
   * IPv4 CIDR inside 127.0.0.0/8 of the multi-cluster services' cluster-set IPs
   * (`--clusterset-ip-range`). @defaultValue a random /24 inside 127.64.0.0/10
   */
  clustersetIpRange?: string;
  health?: Pick<
    ClusterHealthOptions,
    'probePeriodMs' | 'probeTimeoutMs' | 'failureThreshold' | 'halfOpenAfterMs'
  >;
}

/** What {@link buildFederationControllers} needs. */
export interface FederationControllersOptions extends FederationControllerSettings {
  /** Client of the controller manager's identity (writes). */
  client: KubeClient;
  /** A second client of the same identity for the informers' lists and watches. */
  informerClient: KubeClient;
  /** Every type the federation serves (for the garbage collector). */
  collectedTypes: CollectedType[];
  imageGate?: ImageGate;
  /** The federation CA: signs pull-mode agents' certificates (agent-csr does nothing without it). */
  signer?: Pick<CertificateAuthority, 'signCsr' | 'cert'>;
  metrics?: WorkqueueMetricsProvider;
  logger: Logger;
}

/** The controllers on their informers; `run` until the signal aborts, then `close`. */
export interface FederationControllers {
  readonly manager: ControllerManager;
  /** Starts the informers and the controllers `spec` enables; resolves once all have stopped. */
  run(signal: AbortSignal, spec: string): Promise<void>;
  /** Closes the member clients (after `run` resolved). */
  close(): void;
}

/** Builds the four controllers (nothing runs until `run`). */
export function buildFederationControllers(o: FederationControllersOptions): FederationControllers {
  const informers = new InformerFactory(o.informerClient);
  const tuning = (v: number | undefined, key: string): Record<string, number> =>
    v === undefined ? {} : { [key]: v };
  // Cluster validation keeps every secretRef in FEDERATION_SYSTEM_NAMESPACE (422 otherwise)
  const clusterClients = new ClusterClients(
    informers.for(SECRETS, { namespace: FEDERATION_SYSTEM_NAMESPACE }),
    { metricsRegistry: registryOf(o.metrics) },
  );
  const common = { client: o.client, informers, logger: o.logger };
  const health = new ClusterHealthController({
    ...common,
    clients: clusterClients,
    metricsRegistry: registryOf(o.metrics),
    ...(o.health ?? {}),
  });
  const prop = new PropagationController({
    ...common,
    clients: clusterClients,
    // with the CRD kind, the custom kinds of Established CRDs (started and stopped as they come)
    types: [...PROPAGATED_TYPES, CRD_TEMPLATE_TYPE],
    ...tuning(o.resyncMs, 'resyncMs'),
    ...tuning(o.propagationWorkers, 'workers'),
    ...(o.imageGate ? { imageGate: o.imageGate } : {}),
    // propagation latency and placement attempts next to the queues' series
    metricsRegistry: registryOf(o.metrics),
  });
  const cleanup = new ClusterCleanupController({
    ...common,
    clients: clusterClients,
    // CRDs last: a member's CRD going takes the custom resources of its kind with it
    types: [...PROPAGATED_TYPES, CRD_TEMPLATE_TYPE],
    ...tuning(o.sweepPeriodMs, 'sweepPeriodMs'),
    ...tuning(o.clusterCleanupTimeoutMs, 'cleanupTimeoutMs'),
  });
  const gc = new GarbageCollectorController({ ...common, types: o.collectedTypes });
  // deleted namespaces: their content, then their member copies, then the finalizer
  const namespaced = o.collectedTypes.filter((t) => t.namespaced).map((t) => t.gvr);
  const namespaces = new FederationNamespaceController({
    ...common,
    clients: clusterClients,
    resources: () => namespaced,
  });
  // multi-cluster services: ServiceExports in members → the cluster set's ServiceImports
  const mcs = new McsController({
    ...common,
    clients: clusterClients,
    clustersetIpRange: o.clustersetIpRange ?? randomClustersetIpRange(),
  });
  // the Deployments' revision history (ReplicaSets read by `kubectl rollout history/undo`)
  const history = new DeploymentHistoryController(common);
  const manager = new ControllerManager(o.metrics ? { metrics: o.metrics } : {});
  manager.register('namespace', (s, m) => namespaces.controller.run(s, m));
  manager.register('cluster-health', (s, m) => health.controller.run(s, m));
  manager.register('cluster-cleanup', (s, m) => cleanup.controller.run(s, m));
  // the pipeline's stages (resource-detector, binding-scheduler, binding-controller queues) and
  // the members' execution queues
  manager.register('propagation', (s, m) => prop.run(s, m));
  manager.register('garbage-collector', (s, m) => gc.controller.run(s, m));
  manager.register('mcs', (s, m) => mcs.run(s, m));
  manager.register('deployment-history', (s, m) => history.controller.run(s, m));
  // pull mode: an execution namespace per Pull cluster, and agent certificates from bootstrap tokens
  const execNs = new ExecutionNamespaceController(common);
  manager.register('execution-namespace', (s, m) => execNs.controller.run(s, m));
  const agentCsr = o.signer ? new AgentCsrController({ ...common, ca: o.signer }) : undefined;
  manager.register('agent-csr', async (s, m) => {
    if (!agentCsr) {
      o.logger.info('agent-csr: no signing CA (--pki-dir), pull-mode registration disabled');
      return false;
    }
    return agentCsr.controller.run(s, m);
  });
  return {
    manager,
    async run(signal, spec) {
      informers.start(signal);
      await Promise.all([manager.run(signal, spec), informers.stopped()]);
    },
    close() {
      clusterClients.close();
    },
  };
}

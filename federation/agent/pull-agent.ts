import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Logger } from '../../machinery/controller/index.js';
import { InformerFactory } from '../../machinery/informer/index.js';
import type { WorkqueueMetricsProvider } from '../../machinery/workqueue/index.js';
import { HeartbeatRenewer } from './heartbeat-renewer.js';
import { memberSummary, type MemberClient } from './member-summary.js';
import { WorkExecutionController } from './work-execution-controller.js';

/** What {@link PullAgent} runs with (the binary builds it from its flags). */
export interface PullAgentConfig {
  clusterName: string;
  /** The federation as `system:flotilla:agent:<cluster>`. */
  federation: KubeClient;
  /** The member, with the member kubeconfig's credentials. */
  member: MemberClient;
  logger: Logger;
  /** @defaultValue 10000 */
  heartbeatPeriodMs?: number;
  /** @defaultValue 40 */
  leaseDurationSeconds?: number;
  /** Works re-applied and re-reported this often. @defaultValue 10000 */
  resyncMs?: number;
  /** Lease holderIdentity. @defaultValue `<hostname>_<pid>` */
  identity?: string;
  /** Where the Work queue's series go (`--metrics-bind-address`). @defaultValue none */
  metrics?: WorkqueueMetricsProvider;
}

/**
 * `flotilla-agent`: runs beside a member the federation cannot reach. It pulls the Works of its
 * execution namespace, applies them to the member, reports their status back, and renews its
 * heartbeat Lease — all with its own identity, which RBAC confines to `fed-es-<cluster>`.
 */
export class PullAgent {
  readonly config: PullAgentConfig;

  constructor(config: PullAgentConfig) {
    this.config = config;
  }

  /** Runs until the signal aborts; resolves once the controller, informers and heartbeat stopped. */
  async run(signal: AbortSignal): Promise<void> {
    const c = this.config;
    setMaxListeners(0, signal);
    const federationInformers = new InformerFactory(c.federation);
    const memberInformers = new InformerFactory(c.member);
    const execution = new WorkExecutionController({
      clusterName: c.clusterName,
      federation: c.federation,
      federationInformers,
      member: c.member,
      memberInformers,
      logger: c.logger,
      ...(c.resyncMs !== undefined ? { resyncMs: c.resyncMs } : {}),
    });
    const heartbeat = new HeartbeatRenewer({
      client: c.federation,
      clusterName: c.clusterName,
      identity: c.identity ?? `${hostname()}_${String(process.pid)}`,
      periodMs: c.heartbeatPeriodMs ?? 10_000,
      leaseDurationSeconds: c.leaseDurationSeconds ?? 40,
      logger: c.logger,
      summary: () => memberSummary(c.member),
    });
    federationInformers.start(signal);
    memberInformers.start(signal);
    c.logger.info(`agent of cluster ${c.clusterName} started`);
    await Promise.all([
      execution.controller.run(signal, c.metrics),
      heartbeat.run(signal),
      federationInformers.stopped(),
    ]);
    // member informers are created as manifests of new kinds arrive: await them once all is quiet
    await memberInformers.stopped();
    c.logger.info(`agent of cluster ${c.clusterName} stopped`);
  }
}

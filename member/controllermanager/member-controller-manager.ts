import type { CertificateAuthority } from '../../machinery/apiserver/cert-authority.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { consoleLogger, type Logger } from '../../machinery/controller/index.js';
import { InformerFactory } from '../../machinery/informer/index.js';
import { runLeaderElected } from '../../machinery/leaderelection/leader-elector.js';
import type { WorkqueueMetricsProvider } from '../../machinery/workqueue/index.js';
import {
  EventRecorder,
  memberControllerManager,
  type ControllerContext,
  type NodeIpamOptions,
  type NodeLifecycleOptions,
} from '../controllers/index.js';
import { Scheduler } from '../scheduler/index.js';

/** The Lease the member controller manager (and its scheduler) is elected through. */
export const CONTROLLER_MANAGER_LEASE = 'flotilla-member-controller-manager';

/** Leader election settings (kube-controller-manager's `--leader-elect-*` flags). */
export interface MemberLeaderElectionOptions {
  /** holderIdentity, unique per process (`<hostname>_<uuid>`). */
  identity: string;
  /** @defaultValue {@link CONTROLLER_MANAGER_LEASE} */
  leaseName?: string;
  /** @defaultValue kube-system */
  namespace?: string;
  /** @defaultValue 15 */
  leaseDurationSeconds?: number;
  /** @defaultValue 10000 */
  renewDeadlineMs?: number;
  /** @defaultValue 2000 */
  retryPeriodMs?: number;
}

/** Options for {@link runMemberControllerManager}. */
export interface MemberControllerManagerOptions {
  /** Client of the controller manager's identity (system:kube-controller-manager). */
  client: KubeClient;
  /** Client of the scheduler's identity (system:kube-scheduler). @defaultValue `client` */
  schedulerClient?: KubeClient;
  /** `--controllers` spec, e.g. `*,-garbagecollector`. @defaultValue `*` */
  controllers?: string;
  /** Run the scheduler in this process. @defaultValue true */
  scheduler?: boolean;
  nodeLifecycle?: NodeLifecycleOptions;
  /** Pod CIDRs for Nodes (the nodeipam controller). @defaultValue none: Nodes get no podCIDR */
  nodeIpam?: NodeIpamOptions;
  /** Where the controllers' queues report. @defaultValue none */
  metrics?: WorkqueueMetricsProvider;
  /** Endpoints per EndpointSlice (`--max-endpoints-per-slice`). @defaultValue 100 */
  maxEndpointsPerSlice?: number;
  /** The cluster CA, for the controllers that sign certificates (kubelet CSRs). */
  signer?: CertificateAuthority;
  /** Run only while holding the Lease; without it, run at once (one instance only). */
  leaderElection?: MemberLeaderElectionOptions;
  /** Clock (tests). @defaultValue now */
  now?: () => Date;
  logger?: Logger;
}

/** Why {@link runMemberControllerManager} returned. */
export type ControllerManagerExit = 'stopped' | 'lost-leadership';

/**
 * The member controller manager: every member controller enabled by `controllers` and (unless
 * turned off) the scheduler, each under its own identity, on one shared informer factory. With
 * `leaderElection` they run only while this process holds the Lease. Resolves `'stopped'` once
 * `signal` aborted and everything stopped (the Lease released), or `'lost-leadership'` when the
 * Lease could not be renewed: the process should then exit non-zero and be restarted, as
 * kube-controller-manager does, instead of running on with caches of a term it no longer leads.
 */
export async function runMemberControllerManager(
  opts: MemberControllerManagerOptions,
  signal: AbortSignal,
): Promise<ControllerManagerExit> {
  const log = opts.logger ?? consoleLogger('member-controller-manager', true);
  const le = opts.leaderElection;
  if (!le) {
    await runComponents(opts, signal, log);
    return 'stopped';
  }
  await runLeaderElected(
    {
      client: opts.client,
      namespace: le.namespace ?? 'kube-system',
      name: le.leaseName ?? CONTROLLER_MANAGER_LEASE,
      identity: le.identity,
      ...(le.leaseDurationSeconds !== undefined
        ? { leaseDurationSeconds: le.leaseDurationSeconds }
        : {}),
      ...(le.renewDeadlineMs !== undefined ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
      ...(le.retryPeriodMs !== undefined ? { retryPeriodMs: le.retryPeriodMs } : {}),
      logger: log,
    },
    signal,
    async (leading) => {
      log.info(`became leader (${le.identity})`);
      await runComponents(opts, leading, log);
    },
  );
  // runLeaderElected leads at most once: returning before `signal` aborted means the Lease was
  // lost (or the components stopped on their own); a new term needs fresh caches and queues
  if (signal.aborted) return 'stopped';
  log.error('leadership lost');
  return 'lost-leadership';
}

/** Runs the controllers and the scheduler until `signal` aborts. */
async function runComponents(
  opts: MemberControllerManagerOptions,
  signal: AbortSignal,
  log: Logger,
): Promise<void> {
  const now = opts.now ?? ((): Date => new Date());
  const informers = new InformerFactory(opts.client);
  const recorder = new EventRecorder({
    client: opts.client,
    component: 'controller-manager',
    logger: log,
    now,
  });
  const ctx: ControllerContext = {
    client: opts.client,
    informers,
    logger: log,
    now,
    recorder,
    ...(opts.signer ? { signer: opts.signer } : {}),
  };
  const manager = memberControllerManager(ctx, {
    ...(opts.nodeLifecycle ? { nodeLifecycle: opts.nodeLifecycle } : {}),
    ...(opts.nodeIpam ? { nodeIpam: opts.nodeIpam } : {}),
    ...(opts.maxEndpointsPerSlice !== undefined
      ? { maxEndpointsPerSlice: opts.maxEndpointsPerSlice }
      : {}),
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
  });
  // started first: the informers controllers create while starting run at once
  informers.start(signal);
  const running: Promise<unknown>[] = [
    manager.run(signal, opts.controllers ?? '*'),
    informers.stopped(),
  ];
  if (opts.scheduler !== false) {
    const scheduler = new Scheduler({
      client: opts.schedulerClient ?? opts.client,
      logger: log,
      // its queue and attempts on the same /metrics as the controllers'
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    });
    running.push(scheduler.run(signal));
  }
  const results = await Promise.allSettled(running);
  for (const r of results) {
    if (r.status === 'rejected') log.error(`controller manager: ${String(r.reason)}`);
  }
}

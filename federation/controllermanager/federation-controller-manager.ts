/**
 * The one assembly of the federation controller manager: the four controllers under the
 * manager's own identity, optionally leader-elected on a Lease so that of N replicas only one
 * runs controllers. Used by the `flotilla-federation-controller-manager` binary and, with leader
 * election off, in-process by {@link FederationControlPlane}.
 */
import type { CertificateAuthority } from '../../machinery/apiserver/cert-authority.js';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { RestClient, type RestClientOptions } from '../../machinery/client/rest-client.js';
import type { Logger } from '../../machinery/controller/index.js';
import { runLeaderElected } from '../../machinery/leaderelection/leader-elector.js';
import type { WorkqueueMetricsProvider } from '../../machinery/workqueue/metrics.js';
import type { CollectedType } from '../controllers/garbagecollector/garbage-collector-controller.js';
import type { ImageGate } from '../controllers/propagation/propagation-controller.js';
import { LEADER_ELECTION_NAMESPACE } from '../server/federation-bootstrap-policy.js';
import { discoverCollectedTypes } from './discover-types.js';
import {
  buildFederationControllers,
  type FederationControllerSettings,
} from './federation-controllers.js';

/** Lease timing and name (kube-controller-manager's `--leader-elect-*` flags). */
export interface LeaderElectionSettings {
  /** @defaultValue flotilla-controller-manager */
  resourceName?: string;
  /** @defaultValue kube-system */
  resourceNamespace?: string;
  /** @defaultValue 15 */
  leaseDurationSeconds?: number;
  /** @defaultValue 10000 */
  renewDeadlineMs?: number;
  /** @defaultValue 2000 */
  retryPeriodMs?: number;
  /** holderIdentity. @defaultValue `<hostname>_<uuid>` */
  identity?: string;
}

/** Configuration of {@link runFederationControllerManager}. */
export interface FederationControllerManagerConfig extends FederationControllerSettings {
  /** How to reach the federation API as the controller manager (client certificate). */
  connection: RestClientOptions;
  /** `--controllers`, e.g. `*,-garbage-collector`. @defaultValue `*` */
  controllers?: string;
  /** Types the garbage collector watches. @defaultValue read from the API's discovery */
  collectedTypes?: CollectedType[];
  /** The propagation controller's image gate, made with a client of the manager's identity. */
  imageGate?: (client: KubeClient) => ImageGate;
  /** The federation CA, to sign pull-mode agents' certificates. */
  signer?: Pick<CertificateAuthority, 'signCsr' | 'cert'>;
  /** Where the workqueues report. @defaultValue nowhere */
  metrics?: WorkqueueMetricsProvider;
  /** Run controllers only while holding the Lease. @defaultValue off */
  leaderElection?: LeaderElectionSettings;
  logger: Logger;
}

/** How a controller manager ended. */
export type ControllerManagerExit = 'stopped' | 'leadership-lost';

/** A running controller manager. */
export interface FederationControllerManager {
  /** This replica's holderIdentity (also set without leader election). */
  readonly identity: string;
  /**
   * Settles when the manager has stopped: `stopped` after {@link FederationControllerManager.stop},
   * `leadership-lost` when the Lease was lost (the process should exit non-zero and restart);
   * rejects when the controllers or the election failed.
   */
  readonly done: Promise<ControllerManagerExit>;
  /** Stops the controllers, releases the Lease and closes the clients. */
  stop(): Promise<void>;
}

/** Default Lease name of the federation controller manager. */
export const CONTROLLER_MANAGER_LEASE = 'flotilla-controller-manager';

/**
 * Starts the controller manager. Without leader election the controllers start at once; with it
 * they are built and started only once this replica holds the Lease (a standby keeps no caches).
 */
export function runFederationControllerManager(
  config: FederationControllerManagerConfig,
): FederationControllerManager {
  const log = config.logger;
  const le = config.leaderElection;
  const identity = le?.identity ?? `${hostname() || 'flotilla'}_${randomUUID()}`;
  const stopping = new AbortController();
  const clients: RestClient[] = [];
  const client = (agent: string): RestClient => {
    const c = new RestClient({ userAgent: `flotilla-federation/${agent}`, ...config.connection });
    clients.push(c);
    return c;
  };

  const lead = async (signal: AbortSignal): Promise<void> => {
    const writer = client('controller-manager');
    const collectedTypes = config.collectedTypes ?? (await discoverCollectedTypes(writer));
    const { imageGate, ...settings } = config;
    const controllers = buildFederationControllers({
      ...settings,
      client: writer,
      informerClient: client('controller-manager'),
      collectedTypes,
      ...(imageGate ? { imageGate: imageGate(writer) } : {}),
      logger: log,
    });
    try {
      await controllers.run(signal, config.controllers ?? '*');
    } finally {
      controllers.close();
    }
  };

  const run = async (): Promise<ControllerManagerExit> => {
    try {
      if (!le) {
        await lead(stopping.signal);
        return 'stopped';
      }
      const namespace = le.resourceNamespace ?? LEADER_ELECTION_NAMESPACE;
      const name = le.resourceName ?? CONTROLLER_MANAGER_LEASE;
      // the identity as a field: scripts match `identity X` on the binary's own `started` line
      log.info(`leader election: lease ${namespace}/${name}`, { identity });
      await runLeaderElected(
        {
          client: client('leader-election'),
          namespace,
          name,
          identity,
          ...(le.leaseDurationSeconds !== undefined
            ? { leaseDurationSeconds: le.leaseDurationSeconds }
            : {}),
          ...(le.renewDeadlineMs !== undefined ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
          ...(le.retryPeriodMs !== undefined ? { retryPeriodMs: le.retryPeriodMs } : {}),
          logger: log,
        },
        stopping.signal,
        async (signal) => {
          log.info(`leader election: ${identity} became leader`);
          await lead(signal);
        },
      );
      // runLeaderElected returns while not asked to stop only when leadership was lost
      return stopping.signal.aborted ? 'stopped' : 'leadership-lost';
    } finally {
      for (const c of clients) c.close();
    }
  };

  const done = run();
  return {
    identity,
    done,
    async stop() {
      stopping.abort();
      await done.catch(() => undefined);
    },
  };
}

import { LEASES, type Lease } from '../../api/index.js';
import {
  ANNOTATION_LEASE_KUBERNETES_VERSION,
  ANNOTATION_LEASE_RESOURCE_SUMMARY,
  executionNamespace,
} from '../apis/index.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { Logger } from '../../machinery/controller/index.js';
import { AlreadyExistsError, NotFoundError } from '../../machinery/errors/index.js';
import type { MemberSummary } from './member-summary.js';

/** Options for {@link HeartbeatRenewer}. */
export interface HeartbeatRenewerOptions {
  /** The federation, as the agent. */
  client: KubeClient;
  clusterName: string;
  /** holderIdentity of the Lease (the agent's host and process). */
  identity: string;
  /** How often the Lease is renewed. */
  periodMs: number;
  /** `leaseDurationSeconds`: the federation marks the cluster NotReady this long after a renewal. */
  leaseDurationSeconds: number;
  logger: Logger;
  /**
   * The member's version and capacity, carried on the Lease as annotations (the federation copies
   * them into the Cluster's status). A failure leaves the last ones in place.
   */
  summary?: () => Promise<MemberSummary>;
  now?: () => Date;
}

/** MicroTime as Kubernetes writes it (`2024-01-02T03:04:05.123456Z`). */
const microTime = (d: Date): string => d.toISOString().replace(/Z$/, '000Z');

/**
 * Renews the agent's heartbeat: the Lease `fed-es-<cluster>/<cluster>` (created when missing),
 * annotated with the member's version and resource summary.
 * A failed renewal is logged and tried again next period; the federation notices only when the
 * renewals stop for longer than `leaseDurationSeconds`.
 */
export class HeartbeatRenewer {
  private readonly opts: HeartbeatRenewerOptions;

  constructor(opts: HeartbeatRenewerOptions) {
    this.opts = opts;
  }

  /** Renews once. @throws what the federation answers (the loop logs it) */
  async renew(): Promise<void> {
    const { clusterName: name } = this.opts;
    const rc = this.opts.client.resource<Lease>(LEASES, executionNamespace(name));
    const spec: Lease['spec'] = {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: this.opts.leaseDurationSeconds,
      renewTime: microTime(this.opts.now?.() ?? new Date()),
    };
    const annotations = await this.annotations();
    const cur = await rc.get(name).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    if (!cur) {
      await rc
        .create({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace: executionNamespace(name), annotations },
          spec: { ...spec, acquireTime: spec.renewTime ?? '' },
        })
        .catch((err: unknown) => {
          if (!(err instanceof AlreadyExistsError)) throw err;
        });
      return;
    }
    await rc.update({
      ...cur,
      metadata: {
        ...cur.metadata,
        annotations: { ...(cur.metadata.annotations ?? {}), ...annotations },
      },
      spec: { ...cur.spec, ...spec },
    });
  }

  /** The summary annotations; empty when there is no summary or the member did not answer. */
  private async annotations(): Promise<Record<string, string>> {
    if (!this.opts.summary) return {};
    const summary = this.opts.summary;
    try {
      // a slow member must not hold up the renewal itself
      const s = await new Promise<MemberSummary>((resolve, reject) => {
        const t = setTimeout(() => {
          reject(new Error(`member did not answer within ${String(this.opts.periodMs)} ms`));
        }, this.opts.periodMs);
        summary().then(
          (v) => {
            clearTimeout(t);
            resolve(v);
          },
          (err: unknown) => {
            clearTimeout(t);
            reject(err instanceof Error ? err : new Error(String(err)));
          },
        );
      });
      return {
        [ANNOTATION_LEASE_RESOURCE_SUMMARY]: JSON.stringify(s.resourceSummary),
        ...(s.kubernetesVersion
          ? { [ANNOTATION_LEASE_KUBERNETES_VERSION]: s.kubernetesVersion }
          : {}),
      };
    } catch (err) {
      this.opts.logger.warn(
        `member summary failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      return {};
    }
  }

  /** Renews every period until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let failing = false;
    while (!signal.aborted) {
      try {
        await this.renew();
        if (failing) this.opts.logger.info('heartbeat renewed again');
        failing = false;
      } catch (err) {
        if (!failing) {
          this.opts.logger.warn(
            `heartbeat renewal failed: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
        failing = true;
      }
      await sleep(this.opts.periodMs, signal);
    }
  }
}

/** Resolves after `ms` or as soon as the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

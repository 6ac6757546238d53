import type { KubeClient } from '../../machinery/client/kube-client.js';
import { consoleLogger, type Logger } from '../../machinery/controller/index.js';
import { PromotionController } from '../controllers/promotion-controller.js';
import { Replicator, type ReplicatorOptions } from '../jobs/replicator.js';
import { NotificationReceiver } from '../notifications/notification-receiver.js';

/** Options for {@link PromotionService}. */
export interface PromotionServiceOptions {
  /** Federation API client (serves the registry types). */
  client: KubeClient;
  /** The copy queue's redis (`password` when it runs with `requirepass`). */
  redis: ReplicatorOptions['redis'];
  notificationPort?: number;
  /**
   * Serve the notification receiver over https with this certificate chain and key (PEM); the
   * registries must then trust its CA (hack/lib/registry-service.ts sets their SSL_CERT_FILE).
   */
  notificationTls?: { cert: string; key: string };
  /** Key the registries' notification secrets derive from; random when absent. */
  notificationKey?: Buffer;
  replicator?: Partial<
    Pick<ReplicatorOptions, 'attempts' | 'backoffMs' | 'concurrency' | 'queueName' | 'credentials'>
  >;
  logger?: Logger;
}

/** Image promotion: notification receiver + promotion controller + bullmq replicator. */
export class PromotionService {
  readonly receiver: NotificationReceiver;
  readonly replicator: Replicator;
  private readonly controller: PromotionController;
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private readonly opts: PromotionServiceOptions;

  constructor(opts: PromotionServiceOptions) {
    this.opts = opts;
    this.receiver = new NotificationReceiver(
      opts.client,
      opts.notificationKey ? { key: opts.notificationKey } : {},
    );
    this.replicator = new Replicator({
      client: opts.client,
      redis: opts.redis,
      ...(opts.replicator ?? {}),
    });
    this.controller = new PromotionController({
      client: opts.client,
      replicator: this.replicator,
      logger: opts.logger ?? consoleLogger('promotion', true),
    });
  }

  /** Starts; resolves to the notification base URL (`<url>/notify/<registry>`). */
  async start(): Promise<string> {
    this.abort = new AbortController();
    this.running = this.controller.run(this.abort.signal);
    return this.receiver.start(this.opts.notificationPort ?? 0, this.opts.notificationTls);
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.running;
    await this.receiver.stop();
    await this.replicator.close();
  }
}

import { QueueEvents } from 'bullmq';
import { UnionAuthenticator } from '../../machinery/auth/authenticator.js';
import { StaticTokenAuthenticator } from '../../machinery/auth/static-token-authenticator.js';
import { RestClient, type RestClientOptions } from '../../machinery/client/rest-client.js';
import { consoleLogger, type Logger } from '../../machinery/controller/index.js';
import { FederationAuthenticator } from '../auth/federation-authenticator.js';
import { promotionAccessRules, promotionRequesters } from '../auth/promotion-access-rules.js';
import { RegistryTokenIssuer } from '../auth/registry-token-issuer.js';
import { RegistryTokenServer } from '../auth/registry-token-server.js';
import { PromotionController } from '../controllers/promotion-controller.js';
import {
  COPY_QUEUE_NAME,
  CopyQueue,
  redisConnection,
  type RedisEndpoint,
} from '../jobs/copy-queue.js';
import { NotificationReceiver } from '../notifications/notification-receiver.js';

/** A listen address. */
export interface ListenAddress {
  host: string;
  /** 0 = any free port. */
  port: number;
}

/** Options for {@link runPromotionService}. */
export interface PromotionServiceOptions {
  /**
   * The federation API as the service's own identity (a `system:*` user bound to
   * `system:flotilla:promotion`): it creates requests, writes their status, and asks
   * SubjectAccessReviews for the token server.
   */
  federation: RestClientOptions;
  /** The copy queue's redis (`password` when it runs with `requirepass`). */
  redis: RedisEndpoint;
  /** @defaultValue {@link COPY_QUEUE_NAME} */
  queueName?: string;
  /** The notification receiver (`POST /notify/<registry>`). @defaultValue 127.0.0.1:0 */
  listen?: ListenAddress;
  /** The registry token realm (`GET /token`). @defaultValue 127.0.0.1:0 */
  tokenListen?: ListenAddress;
  /**
   * Serve the receiver and the token realm over https with this certificate chain and key (PEM):
   * registry passwords and notification secrets must not cross even loopback in clear text.
   */
  tls?: { cert: string; key: string };
  /** Key the registries' notification secrets derive from (see `notificationSecret`). */
  notificationKey: Buffer;
  /**
   * Certificate and EC P-256 key (PEM) that sign registry tokens: the registries trust the
   * certificate (`auth.token.rootcertbundle`). Generated when absent (in-process set-ups read it
   * back from `tokens.issuer.certificate`).
   */
  tokenSigning?: { cert: string; key: string };
  /** The tokens' `iss`; the registries' `auth.token.issuer`. @defaultValue flotilla */
  tokenIssuer?: string;
  /** The registries' token services (one per environment). */
  environments: readonly string[];
  /** Environments only `workerUser` may push to. @defaultValue ['prod'] */
  protectedEnvironments?: readonly string[];
  /** The registry user the promotion workers push as (its password is in `registryUsers`). */
  workerUser: string;
  /**
   * Registry-only users, name → password: the workers' user, and people who authenticate to the
   * federation with a client certificate and so hold no API token. Everyone else logs in with
   * their federation user name and API token.
   */
  registryUsers?: Readonly<Record<string, string>>;
  logger?: Logger;
}

/** A running promotion service (see {@link runPromotionService}). */
export interface RunningPromotionService {
  receiver: NotificationReceiver;
  tokens: RegistryTokenServer;
  /** Base URL of the receiver; a registry posts to `<notifyUrl>/notify/<registry>`. */
  notifyUrl: string;
  /** The token realm URL (`.../token`). */
  realm: string;
  /**
   * Stops accepting notifications and token requests, stops the controller (its reconcile in
   * flight finishes) and closes the queue.
   */
  stop(): Promise<void>;
}

/**
 * Starts the promotion service: the notification receiver (push notifications → PromotionRequests),
 * the registry token server (docker logins → registry tokens by Flotilla identity), and the
 * promotion controller, which queues approved requests as bullmq copy jobs for the promotion
 * workers (`runPromotionWorker`) and fails a request whose job failed unseen. Any number of
 * workers may share the queue; the service copies nothing itself.
 */
export async function runPromotionService(
  opts: PromotionServiceOptions,
): Promise<RunningPromotionService> {
  const log = opts.logger ?? consoleLogger('promotion-service', true);
  const client = new RestClient({ userAgent: 'flotilla-promotion-service', ...opts.federation });
  const queueName = opts.queueName ?? COPY_QUEUE_NAME;
  const copies = new CopyQueue({ redis: opts.redis, queueName });
  const controller = new PromotionController({ client, copies, logger: log });
  const receiver = new NotificationReceiver(client, { key: opts.notificationKey });
  const { server: _s, token: _t, certData: _c, keyData: _k, ...endpoint } = opts.federation;
  const tokens = new RegistryTokenServer({
    ...(opts.tls ? { tls: opts.tls } : {}),
    issuer: new RegistryTokenIssuer({
      ...(opts.tokenIssuer !== undefined ? { issuer: opts.tokenIssuer } : {}),
      ...(opts.tokenSigning ? { signing: opts.tokenSigning } : {}),
    }),
    authenticator: new UnionAuthenticator([
      // a password is looked up like a bearer token, so name → password becomes password → name;
      // registry users first: their passwords never reach the federation
      StaticTokenAuthenticator.fromRecord(
        Object.fromEntries(Object.entries(opts.registryUsers ?? {}).map(([u, pw]) => [pw, u])),
      ),
      new FederationAuthenticator({ server: opts.federation.server, ...endpoint }),
    ]),
    rules: promotionAccessRules({
      environments: opts.environments,
      protectedEnvironments: opts.protectedEnvironments ?? ['prod'],
      workerUser: opts.workerUser,
      requesters: promotionRequesters(client),
    }),
  });
  // a job that failed without its worker writing the outcome (it stalled too often) is noticed
  // here; the controller's reconcile decides, from the queue's state
  const events = new QueueEvents(queueName, { connection: redisConnection(opts.redis) });
  events.on('error', () => undefined);
  events.on('failed', ({ jobId }) => {
    controller.enqueueJob(jobId);
  });
  const abort = new AbortController();
  const running = controller.run(abort.signal);
  const stop = async (): Promise<void> => {
    await receiver.stop();
    await tokens.stop();
    abort.abort();
    await running;
    await events.close();
    await copies.close();
    client.close();
  };
  try {
    const notifyUrl = await receiver.start(opts.listen?.port ?? 0, opts.tls, opts.listen?.host);
    const realm = await tokens.start(opts.tokenListen?.port ?? 0, opts.tokenListen?.host);
    log.info(`notifications ${notifyUrl}/notify/<registry>, token realm ${realm}`);
    return { receiver, tokens, notifyUrl, realm, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

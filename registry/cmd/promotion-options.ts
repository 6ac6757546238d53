/**
 * Options of the two promotion binaries: `flotilla-promotion-service` (notification receiver,
 * registry token server, promotion controller) and `flotilla-promotion-worker` (bullmq copy
 * worker; run N of them). Flags map 1:1 to fields (kebab-case); secrets come from files only.
 */
import { parseArgs } from 'node:util';
import { commaList, num } from '../../machinery/cmd/flags.js';

/** Flags both binaries take. */
export interface CommonOptions {
  /** `--kubeconfig`: the federation, as this process's identity (required). */
  kubeconfig: string;
  /** `--context`: kubeconfig context. @defaultValue the current context */
  context: string | undefined;
  /** `--redis HOST:PORT`: the copy queue's redis (required). */
  redis: string;
  /** `--redis-password-file`: redis `requirepass` password. @defaultValue none */
  redisPasswordFile: string | undefined;
  /** `--queue`: bullmq queue name. @defaultValue flotilla-replication */
  queue: string;
  /** `--verbose`: log to stdout/stderr. @defaultValue false */
  verbose: boolean;
}

/** Typed options of `flotilla-promotion-service`. */
export interface ServiceOptions extends CommonOptions {
  /** `--listen HOST:PORT`: the notification receiver. @defaultValue 127.0.0.1:0 (any port) */
  listen: string;
  /** `--token-listen HOST:PORT`: the registry token realm. @defaultValue 127.0.0.1:0 */
  tokenListen: string;
  /** `--tls-cert-file`/`--tls-key-file`: serve both over https (both or neither). */
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  /** `--notification-secret-file`: key the registries' notification secrets derive from (required). */
  notificationSecretFile: string;
  /** `--token-signing-cert-file`/`--token-signing-key-file`: registry token signer (required). */
  tokenSigningCertFile: string;
  tokenSigningKeyFile: string;
  /** `--token-issuer`: the tokens' `iss`. @defaultValue flotilla */
  tokenIssuer: string;
  /** `--environments a,b`: the registries' token services (required). */
  environments: string[];
  /** `--protected-environments a,b`: only the worker user pushes there. @defaultValue prod */
  protectedEnvironments: string[];
  /** `--worker-user`: registry user of the promotion workers. @defaultValue system:promotion */
  workerUser: string;
  /** `--registry-users-file`: `user=password` lines (registry-only users). @defaultValue none */
  registryUsersFile: string | undefined;
  /** `--metrics-bind-address HOST:PORT`: plain-HTTP /metrics on loopback (port 0 = any). @defaultValue off */
  metricsBindAddress: string | undefined;
}

/** Typed options of `flotilla-promotion-worker`. */
export interface WorkerOptions extends CommonOptions {
  /** `--worker-concurrency`: copies at once. @defaultValue 4 */
  workerConcurrency: number;
  /** `--copy-attempts`: attempts per copy inside one job. @defaultValue 6 */
  copyAttempts: number;
  /** `--copy-backoff-ms`: first back-off between them. @defaultValue 200 */
  copyBackoffMs: number;
  /** `--lock-duration-ms`: job lock and stalled-check interval. @defaultValue 30000 */
  lockDurationMs: number;
  /** `--shutdown-timeout-ms`: how long SIGTERM waits for copies in flight. @defaultValue 30000 */
  shutdownTimeoutMs: number;
  /** `--registry-user`/`--registry-password-file`: the worker's registry identity. */
  registryUser: string | undefined;
  registryPasswordFile: string | undefined;
  /** `--registry-urls a,b`: the registries that identity is presented to. @defaultValue none */
  registryUrls: string[];
  /** `--metrics-bind-address HOST:PORT`: plain-HTTP /metrics on loopback (port 0 = any). @defaultValue off */
  metricsBindAddress: string | undefined;
}

const commonDefaults = {
  context: undefined,
  redisPasswordFile: undefined,
  queue: 'flotilla-replication',
  verbose: false,
} as const;

/** Defaults of the service's optional flags. */
export const serviceDefaults = {
  ...commonDefaults,
  listen: '127.0.0.1:0',
  tokenListen: '127.0.0.1:0',
  tlsCertFile: undefined,
  tlsKeyFile: undefined,
  tokenIssuer: 'flotilla',
  protectedEnvironments: ['prod'],
  workerUser: 'system:promotion',
  registryUsersFile: undefined,
  metricsBindAddress: undefined,
} as const;

/** Defaults of the worker's optional flags. */
export const workerDefaults = {
  ...commonDefaults,
  workerConcurrency: 4,
  copyAttempts: 6,
  copyBackoffMs: 200,
  lockDurationMs: 30_000,
  shutdownTimeoutMs: 30_000,
  registryUser: undefined,
  registryPasswordFile: undefined,
  registryUrls: [],
  metricsBindAddress: undefined,
} as const;

const COMMON_USAGE = `  --kubeconfig PATH            the federation, as this process's identity (required)
  --context NAME               kubeconfig context (default: current)
  --redis HOST:PORT            the copy queue's redis (required)
  --redis-password-file PATH   redis password (requirepass)
  --queue NAME                 bullmq queue (default flotilla-replication)
  --verbose                    log what happens
  --help                       this text
`;

/** Usage of `flotilla-promotion-service`. */
export const serviceUsage = `usage: flotilla-promotion-service --kubeconfig PATH --redis HOST:PORT --environments dev,prod
    --notification-secret-file PATH --token-signing-cert-file PATH --token-signing-key-file PATH [flags]
Receives registry push notifications, issues registry tokens, and queues approved promotions.
${COMMON_USAGE}  --listen HOST:PORT           notification receiver (default 127.0.0.1:0)
  --token-listen HOST:PORT     registry token realm (default 127.0.0.1:0)
  --tls-cert-file PATH         serve both over https: certificate chain (PEM)
  --tls-key-file PATH          ... and its key
  --notification-secret-file PATH  key of the registries' notification secrets
                               (a registry sends HMAC-SHA256(key, registry name), hex)
  --token-signing-cert-file PATH   certificate of the token signing key (registries' rootcertbundle)
  --token-signing-key-file PATH    EC P-256 key (PEM) that signs registry tokens
  --token-issuer NAME          tokens' issuer (default flotilla)
  --environments A,B           registry token services, one per environment (required)
  --protected-environments A,B only --worker-user pushes there (default prod; '' for none)
  --worker-user NAME           registry user of the promotion workers (default system:promotion)
  --registry-users-file PATH   user=password lines: registry-only users (include the worker user)
  --metrics-bind-address HOST:PORT  plain-HTTP /metrics on loopback, port 0 = any (default off)
`;

/** Usage of `flotilla-promotion-worker`. */
export const workerUsage = `usage: flotilla-promotion-worker --kubeconfig PATH --redis HOST:PORT [flags]
Copies approved promotions between registries (bullmq worker; run as many as needed).
${COMMON_USAGE}  --worker-concurrency N       copies at once (default 4)
  --copy-attempts N            attempts per copy within one job (default 6)
  --copy-backoff-ms N          first back-off between attempts (default 200)
  --lock-duration-ms N         job lock; a dead worker's job is retaken after ~2x (default 30000)
  --shutdown-timeout-ms N      SIGTERM waits this long for copies in flight (default 30000)
  --registry-user NAME         the worker's registry identity ...
  --registry-password-file PATH  ... and its password
  --registry-urls URL,URL      registries that identity is presented to
  --metrics-bind-address HOST:PORT  plain-HTTP /metrics on loopback, port 0 = any (default off)
`;

const s = { type: 'string' } as const;
const b = { type: 'boolean' } as const;
const COMMON_FLAGS = {
  kubeconfig: s,
  context: s,
  redis: s,
  'redis-password-file': s,
  queue: s,
  verbose: b,
  help: { type: 'boolean', short: 'h' },
} as const;

/** Drops undefined values (exactOptionalPropertyTypes). */
function defined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** Parses the service's argv (unknown flags throw a TypeError from parseArgs). */
export function parseServiceArgs(argv: string[]): { help: boolean; opts: ServiceOptions } {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...COMMON_FLAGS,
      listen: s,
      'token-listen': s,
      'tls-cert-file': s,
      'tls-key-file': s,
      'notification-secret-file': s,
      'token-signing-cert-file': s,
      'token-signing-key-file': s,
      'token-issuer': s,
      environments: s,
      'protected-environments': s,
      'worker-user': s,
      'registry-users-file': s,
      'metrics-bind-address': s,
    },
  });
  const given = defined({
    kubeconfig: v.kubeconfig,
    context: v.context,
    redis: v.redis,
    redisPasswordFile: v['redis-password-file'],
    queue: v.queue,
    verbose: v.verbose,
    listen: v.listen,
    tokenListen: v['token-listen'],
    tlsCertFile: v['tls-cert-file'],
    tlsKeyFile: v['tls-key-file'],
    notificationSecretFile: v['notification-secret-file'],
    tokenSigningCertFile: v['token-signing-cert-file'],
    tokenSigningKeyFile: v['token-signing-key-file'],
    tokenIssuer: v['token-issuer'],
    environments: commaList(v.environments),
    protectedEnvironments: commaList(v['protected-environments']),
    workerUser: v['worker-user'],
    registryUsersFile: v['registry-users-file'],
    metricsBindAddress: v['metrics-bind-address'],
  });
  const opts: ServiceOptions = {
    ...serviceDefaults,
    protectedEnvironments: [...serviceDefaults.protectedEnvironments],
    kubeconfig: '',
    redis: '',
    notificationSecretFile: '',
    tokenSigningCertFile: '',
    tokenSigningKeyFile: '',
    environments: [],
    ...given,
  };
  return { help: v.help === true, opts };
}

/** Parses the worker's argv (unknown flags throw a TypeError from parseArgs). */
export function parseWorkerArgs(argv: string[]): { help: boolean; opts: WorkerOptions } {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...COMMON_FLAGS,
      'worker-concurrency': s,
      'copy-attempts': s,
      'copy-backoff-ms': s,
      'lock-duration-ms': s,
      'shutdown-timeout-ms': s,
      'registry-user': s,
      'registry-password-file': s,
      'registry-urls': s,
      'metrics-bind-address': s,
    },
  });
  const given = defined({
    kubeconfig: v.kubeconfig,
    context: v.context,
    redis: v.redis,
    redisPasswordFile: v['redis-password-file'],
    queue: v.queue,
    verbose: v.verbose,
    workerConcurrency: num(v['worker-concurrency']),
    copyAttempts: num(v['copy-attempts']),
    copyBackoffMs: num(v['copy-backoff-ms']),
    lockDurationMs: num(v['lock-duration-ms']),
    shutdownTimeoutMs: num(v['shutdown-timeout-ms']),
    registryUser: v['registry-user'],
    registryPasswordFile: v['registry-password-file'],
    registryUrls: commaList(v['registry-urls']),
    metricsBindAddress: v['metrics-bind-address'],
  });
  const opts: WorkerOptions = {
    ...workerDefaults,
    registryUrls: [],
    kubeconfig: '',
    redis: '',
    ...given,
  };
  return { help: v.help === true, opts };
}

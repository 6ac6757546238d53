import { readFileSync } from 'node:fs';
import { clientOptionsFor, loadKubeconfig } from '../../machinery/client/kubeconfig.js';
import type { RestClientOptions } from '../../machinery/client/rest-client.js';
import { problemsText, splitHostPort, type OptionProblem } from '../../machinery/cmd/flags.js';
import { serveProcessMetrics } from '../../machinery/metrics/metrics-endpoint.js';
import {
  aborted,
  ExitCode,
  runCommand,
  type Command,
  type CommandDeps,
} from '../../machinery/cmd/run-command.js';
import { consoleLogger } from '../../machinery/controller/index.js';
import type { RedisEndpoint } from '../jobs/copy-queue.js';
import { registerNotificationMetrics } from '../notifications/notification-metrics.js';
import { runPromotionService, type PromotionServiceOptions } from '../server/promotion-service.js';
import { runPromotionWorker, type PromotionWorkerOptions } from '../server/promotion-worker.js';
import {
  parseServiceArgs,
  parseWorkerArgs,
  serviceUsage,
  workerUsage,
  type CommonOptions,
  type ServiceOptions,
  type WorkerOptions,
} from './promotion-options.js';
import {
  parseHostPort,
  validateServiceOptions,
  validateWorkerOptions,
} from './validate-promotion-options.js';

/** Reads the files the flags name; every unreadable or malformed one becomes a problem. */
class FileReader {
  readonly problems: OptionProblem[] = [];

  /** The file's text, trailing whitespace removed ('' after recording a problem). */
  text(flag: string, path: string, what: string): string {
    try {
      const t = readFileSync(path, 'utf8').trimEnd();
      if (t === '') this.problems.push({ flag, message: `${path}: empty (${what})` });
      return t;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      this.problems.push({ flag, message: `cannot read ${what}: ${msg}` });
      return '';
    }
  }
}

function federationOf(o: CommonOptions, files: FileReader): RestClientOptions {
  try {
    return clientOptionsFor(loadKubeconfig(o.kubeconfig, o.context));
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    files.problems.push({ flag: '--kubeconfig', message: msg });
    return { server: '' };
  }
}

function redisOf(o: CommonOptions, files: FileReader): RedisEndpoint {
  const a = parseHostPort(o.redis) ?? { host: '', port: 0 };
  return {
    ...a,
    ...(o.redisPasswordFile !== undefined
      ? { password: files.text('--redis-password-file', o.redisPasswordFile, 'redis password') }
      : {}),
  };
}

/** `user=password` lines (blank lines and `#` comments skipped). */
export function parseRegistryUsers(text: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0 || eq === line.length - 1) return `line ${String(i + 1)} is not user=password`;
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** Builds the service's run options from validated flags and the files they name. */
export function serviceRunOptions(
  o: ServiceOptions,
): { opts: PromotionServiceOptions } | { problems: OptionProblem[] } {
  const files = new FileReader();
  const federation = federationOf(o, files);
  const redis = redisOf(o, files);
  const key = files.text(
    '--notification-secret-file',
    o.notificationSecretFile,
    'notification key',
  );
  const signing = {
    cert: files.text('--token-signing-cert-file', o.tokenSigningCertFile, 'token signing cert'),
    key: files.text('--token-signing-key-file', o.tokenSigningKeyFile, 'token signing key'),
  };
  const tls =
    o.tlsCertFile !== undefined && o.tlsKeyFile !== undefined
      ? {
          cert: files.text('--tls-cert-file', o.tlsCertFile, 'TLS certificate'),
          key: files.text('--tls-key-file', o.tlsKeyFile, 'TLS key'),
        }
      : undefined;
  let registryUsers: Record<string, string> = {};
  if (o.registryUsersFile !== undefined) {
    const parsed = parseRegistryUsers(
      files.text('--registry-users-file', o.registryUsersFile, 'registry users'),
    );
    if (typeof parsed === 'string') {
      files.problems.push({ flag: '--registry-users-file', message: parsed });
    } else {
      registryUsers = parsed;
    }
  }
  if (key !== '' && Buffer.byteLength(key) < 16) {
    files.problems.push({
      flag: '--notification-secret-file',
      message: 'key shorter than 16 bytes',
    });
  }
  if (files.problems.length > 0) return { problems: files.problems };
  const listen = parseHostPort(o.listen, true);
  const tokenListen = parseHostPort(o.tokenListen, true);
  return {
    opts: {
      federation,
      redis,
      queueName: o.queue,
      ...(listen ? { listen } : {}),
      ...(tokenListen ? { tokenListen } : {}),
      ...(tls ? { tls } : {}),
      notificationKey: Buffer.from(key),
      tokenSigning: signing,
      tokenIssuer: o.tokenIssuer,
      environments: o.environments,
      protectedEnvironments: o.protectedEnvironments,
      workerUser: o.workerUser,
      registryUsers,
      logger: consoleLogger('promotion-service', !o.verbose),
    },
  };
}

/** Builds the worker's run options from validated flags and the files they name. */
export function workerRunOptions(
  o: WorkerOptions,
): { opts: PromotionWorkerOptions } | { problems: OptionProblem[] } {
  const files = new FileReader();
  const federation = federationOf(o, files);
  const redis = redisOf(o, files);
  const password =
    o.registryPasswordFile !== undefined
      ? files.text('--registry-password-file', o.registryPasswordFile, 'registry password')
      : undefined;
  if (files.problems.length > 0) return { problems: files.problems };
  return {
    opts: {
      federation,
      redis,
      queueName: o.queue,
      concurrency: o.workerConcurrency,
      attempts: o.copyAttempts,
      backoffMs: o.copyBackoffMs,
      lockDurationMs: o.lockDurationMs,
      shutdownTimeoutMs: o.shutdownTimeoutMs,
      ...(o.registryUser !== undefined && password !== undefined
        ? { credentials: { username: o.registryUser, password, registries: o.registryUrls } }
        : {}),
      logger: consoleLogger('promotion-worker', !o.verbose),
    },
  };
}

/** What differs between the two commands. */
interface PromotionCommand<O> {
  name: string;
  usage: string;
  parse: (argv: string[]) => { help: boolean; opts: O };
  validate: (o: O) => OptionProblem[];
  /** Files → run options, then start; resolves to the stop function and the lines to print. */
  start: (
    o: O,
  ) => Promise<{ problems: OptionProblem[] } | { ready: string[]; stop: () => Promise<unknown> }>;
}

/**
 * The shared {@link Command} of a {@link PromotionCommand}: after validation, the files' problems
 * are a usage error too; once started, the ready lines, then drain on the signal.
 */
function command<O>(cmd: PromotionCommand<O>): Command<O> {
  return {
    name: cmd.name,
    usage: cmd.usage,
    parse: cmd.parse,
    validate: cmd.validate,
    run: async (o, deps) => {
      const started = await cmd.start(o);
      if ('problems' in started) {
        deps.stderr(problemsText(cmd.name, started.problems, cmd.usage));
        return ExitCode.Usage;
      }
      for (const line of started.ready) deps.stdout(`${cmd.name}: ${line}\n`);
      await aborted(deps.signal);
      deps.stdout(`${cmd.name}: stopping\n`);
      try {
        await started.stop();
      } catch (err) {
        deps.stderr(`${cmd.name}: stop: ${err instanceof Error ? err.message : String(err)}\n`);
        return ExitCode.Failed;
      }
      deps.stdout(`${cmd.name}: stopped\n`);
      return ExitCode.Ok;
    },
  };
}

/** `flotilla-promotion-service`: argv → options → files → run until the signal → exit code. */
export function runPromotionServiceCommand(argv: string[], deps: CommandDeps): Promise<number> {
  return runCommand(
    command<ServiceOptions>({
      name: 'flotilla-promotion-service',
      usage: serviceUsage,
      parse: parseServiceArgs,
      validate: validateServiceOptions,
      start: async (o) => {
        const built = serviceRunOptions(o);
        if ('problems' in built) return built;
        // validated: a loopback HOST:PORT
        const hp =
          o.metricsBindAddress !== undefined ? splitHostPort(o.metricsBindAddress) : undefined;
        const metrics = hp ? await serveProcessMetrics(hp.host, hp.port) : undefined;
        const svc = await runPromotionService(built.opts).catch(async (err: unknown) => {
          await metrics?.close();
          throw err;
        });
        if (metrics) registerNotificationMetrics(metrics.registry, svc.receiver);
        return {
          ready: [
            `notifications ${svc.notifyUrl}/notify/<registry>`,
            `token realm ${svc.realm}`,
            ...(metrics ? [`metrics on http://${metrics.address}/metrics`] : []),
            'ready',
          ],
          stop: async () => {
            try {
              await svc.stop();
            } finally {
              await metrics?.close();
            }
          },
        };
      },
    }),
    argv,
    deps,
  );
}

/** `flotilla-promotion-worker`: argv → options → files → run until the signal → exit code. */
export function runPromotionWorkerCommand(argv: string[], deps: CommandDeps): Promise<number> {
  return runCommand(
    command<WorkerOptions>({
      name: 'flotilla-promotion-worker',
      usage: workerUsage,
      parse: parseWorkerArgs,
      validate: validateWorkerOptions,
      start: async (o) => {
        const built = workerRunOptions(o);
        if ('problems' in built) return built;
        // validated: a loopback HOST:PORT
        const hp =
          o.metricsBindAddress !== undefined ? splitHostPort(o.metricsBindAddress) : undefined;
        const metrics = hp ? await serveProcessMetrics(hp.host, hp.port) : undefined;
        const worker = await runPromotionWorker({
          ...built.opts,
          ...(metrics ? { metricsRegistry: metrics.registry } : {}),
        }).catch(async (err: unknown) => {
          await metrics?.close();
          throw err;
        });
        await worker.replicator.worker.waitUntilReady();
        return {
          ready: [
            `queue ${o.queue}, concurrency ${String(o.workerConcurrency)}`,
            ...(metrics ? [`metrics on http://${metrics.address}/metrics`] : []),
            'ready',
          ],
          stop: async () => {
            try {
              return await worker.stop();
            } finally {
              await metrics?.close();
            }
          },
        };
      },
    }),
    argv,
    deps,
  );
}

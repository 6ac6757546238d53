import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readTokenAuthFile } from '../../machinery/auth/token-auth-file.js';
import {
  eventTtlSecondsOf,
  servingFlags,
  servingOptionsOf,
} from '../../machinery/apiserver/serving-options.js';
import { loadPki } from '../../machinery/apiserver/cluster-pki.js';
import { consoleLogger } from '../../machinery/controller/index.js';
import type { BootstrapPolicy } from '../../machinery/rbac/index.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import {
  runFederationApiServer,
  type ExtraSubresource,
  type FederationApiServerConfig,
} from '../apiserver/federation-apiserver.js';
import { resolveOptions, usage, type FederationApiServerOptions } from '../apiserver/options.js';
import { validateOptions } from '../apiserver/validate-options.js';
import { parseBool, parseDuration, withBooleanValues } from '../../machinery/cmd/flags.js';
import {
  aborted,
  ExitCode,
  runCommand,
  type Command,
  type CommandDeps,
} from '../../machinery/cmd/run-command.js';

/** What `--enable-promotion` adds to the server (from `registry/index.js`, given by the entrypoint). */
export interface PromotionServing {
  resources: readonly ResourceType[];
  subresources: readonly ExtraSubresource[];
  policy: BootstrapPolicy;
}

/** Process-level dependencies of {@link runFederationApiServerCommand}. */
export interface RunFederationApiServerDeps extends CommandDeps {
  /** Served with `--enable-promotion`; the flag is refused without it. */
  promotion?: PromotionServing;
}

const NAME = 'flotilla-federation-apiserver';
const BOOLEANS = ['watch-cache', 'enable-promotion', 'verbose', 'help'];

/** Parses argv into options (unknown flags and bad booleans throw a TypeError). */
export function parseApiServerArgs(
  argv: string[],
): Partial<FederationApiServerOptions> & { help?: boolean } {
  const s = { type: 'string' } as const;
  const { values: v } = parseArgs({
    args: withBooleanValues(argv, BOOLEANS),
    strict: true,
    options: {
      ...servingFlags,
      'enable-promotion': s,
      'dashboard-session-ttl': s,
      verbose: s,
      help: s,
    },
  });
  const help = parseBool('help', v.help);
  return {
    ...servingOptionsOf(v),
    enablePromotion: parseBool('enable-promotion', v['enable-promotion']),
    verbose: parseBool('verbose', v.verbose),
    dashboardSessionTtlMs: parseDuration(v['dashboard-session-ttl']),
    ...(help === undefined ? {} : { help }),
  } as Partial<FederationApiServerOptions> & { help?: boolean };
}

/** Reads the files the options name (PKI, etcd TLS, token file) into the server configuration. */
export function apiServerConfig(
  o: FederationApiServerOptions,
  promotion: PromotionServing | undefined,
): FederationApiServerConfig {
  const read = (f: string): string => readFileSync(f, 'utf8');
  return {
    etcdEndpoints: o.etcdServers,
    etcdPrefix: o.etcdPrefix,
    eventTtlSeconds: eventTtlSecondsOf(o),
    watchCache: o.watchCache,
    host: o.bindAddress,
    port: o.securePort,
    pki: loadPki(o.pkiDir),
    ...(o.tokenAuthFile !== undefined ? { staticTokens: readTokenAuthFile(o.tokenAuthFile) } : {}),
    ...(o.etcdCaFile !== undefined && o.etcdCertFile !== undefined && o.etcdKeyFile !== undefined
      ? {
          etcdTls: { ca: read(o.etcdCaFile), cert: read(o.etcdCertFile), key: read(o.etcdKeyFile) },
        }
      : {}),
    ...(o.encryptionProviderConfig !== undefined
      ? { encryptionConfig: o.encryptionProviderConfig }
      : {}),
    ...(o.auditPolicyFile !== undefined ? { auditPolicyFile: o.auditPolicyFile } : {}),
    ...(o.auditLogPath !== undefined ? { auditLogPath: o.auditLogPath } : {}),
    ...(o.enablePromotion && promotion
      ? {
          extraResources: promotion.resources,
          subresources: promotion.subresources,
          rbacPolicy: promotion.policy,
        }
      : {}),
    dashboard: { sessionTtlMs: o.dashboardSessionTtlMs },
    logger: consoleLogger('federation-apiserver', !o.verbose),
  };
}

/** `flotilla-federation-apiserver`; `--enable-promotion` needs `promotion`. */
export function federationApiServerCommand(
  promotion: PromotionServing | undefined,
): Command<FederationApiServerOptions> {
  return {
    name: NAME,
    usage,
    parse: (argv) => {
      const { help, ...partial } = parseApiServerArgs(argv);
      return { opts: resolveOptions(partial), help: help === true };
    },
    validate: (opts) => {
      const problems = validateOptions(opts);
      if (opts.enablePromotion && !promotion) {
        problems.push({ flag: '--enable-promotion', message: 'not available in this build' });
      }
      return problems;
    },
    run: async (opts, deps) => {
      let server: Awaited<ReturnType<typeof runFederationApiServer>> | undefined;
      try {
        server = await runFederationApiServer(apiServerConfig(opts, promotion));
        deps.stdout(`${NAME}: serving on ${server.url}\n`);
        await aborted(deps.signal);
        deps.stdout(`${NAME}: shutting down\n`);
        return ExitCode.Ok;
      } finally {
        await server?.stop();
      }
    },
  };
}

/** argv → options → validate → serve until the signal → stop → exit code. */
export function runFederationApiServerCommand(
  argv: string[],
  deps: RunFederationApiServerDeps,
): Promise<number> {
  return runCommand(federationApiServerCommand(deps.promotion), argv, deps);
}

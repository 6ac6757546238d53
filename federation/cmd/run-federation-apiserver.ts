import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
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
import { parseTokenFile } from '../apiserver/token-file.js';
import { validateOptions } from '../apiserver/validate-options.js';
import { normalizeBooleanFlags, num, parseBool } from '../server/option-checks.js';
import { aborted, ExitCode, problemsText, type CommandDeps } from './command.js';

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
const BOOLEANS = ['enable-promotion', 'verbose', 'help'];

/** Parses argv into options (unknown flags and bad booleans throw a TypeError). */
export function parseApiServerArgs(
  argv: string[],
): Partial<FederationApiServerOptions> & { help?: boolean } {
  const s = { type: 'string' } as const;
  const { values: v } = parseArgs({
    args: normalizeBooleanFlags(argv, BOOLEANS),
    strict: true,
    options: {
      'etcd-servers': s,
      'etcd-prefix': s,
      'etcd-cafile': s,
      'etcd-certfile': s,
      'etcd-keyfile': s,
      'pki-dir': s,
      'bind-address': s,
      'secure-port': s,
      'encryption-provider-config': s,
      'audit-policy-file': s,
      'audit-log-path': s,
      'token-auth-file': s,
      'enable-promotion': s,
      verbose: s,
      help: s,
    },
  });
  const help = parseBool('help', v.help);
  return {
    etcdServers: v['etcd-servers']
      ?.split(',')
      .map((x) => x.trim())
      .filter((x) => x !== ''),
    etcdPrefix: v['etcd-prefix'],
    etcdCaFile: v['etcd-cafile'],
    etcdCertFile: v['etcd-certfile'],
    etcdKeyFile: v['etcd-keyfile'],
    pkiDir: v['pki-dir'],
    bindAddress: v['bind-address'],
    securePort: num(v['secure-port']),
    encryptionProviderConfig: v['encryption-provider-config'],
    auditPolicyFile: v['audit-policy-file'],
    auditLogPath: v['audit-log-path'],
    tokenAuthFile: v['token-auth-file'],
    enablePromotion: parseBool('enable-promotion', v['enable-promotion']),
    verbose: parseBool('verbose', v.verbose),
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
    host: o.bindAddress,
    port: o.securePort,
    pki: loadPki(o.pkiDir),
    ...(o.tokenAuthFile !== undefined
      ? { staticTokens: parseTokenFile(read(o.tokenAuthFile)) }
      : {}),
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
    logger: consoleLogger('federation-apiserver', !o.verbose),
  };
}

/** argv → options → validate → serve until the signal → stop → exit code. */
export async function runFederationApiServerCommand(
  argv: string[],
  deps: RunFederationApiServerDeps,
): Promise<number> {
  let parsed: ReturnType<typeof parseApiServerArgs>;
  try {
    parsed = parseApiServerArgs(argv);
  } catch (err) {
    deps.stderr(`${NAME}: ${err instanceof Error ? err.message : String(err)}\n${usage}`);
    return ExitCode.Usage;
  }
  if (parsed.help) {
    deps.stdout(usage);
    return ExitCode.Ok;
  }
  const { help: _help, ...partial } = parsed;
  const opts = resolveOptions(partial);
  const problems = validateOptions(opts);
  if (opts.enablePromotion && !deps.promotion) {
    problems.push({ flag: '--enable-promotion', message: 'not available in this build' });
  }
  if (problems.length > 0) {
    deps.stderr(problemsText(NAME, problems, usage));
    return ExitCode.Usage;
  }
  let server: Awaited<ReturnType<typeof runFederationApiServer>> | undefined;
  try {
    server = await runFederationApiServer(apiServerConfig(opts, deps.promotion));
    deps.stdout(`${NAME}: serving on ${server.url}\n`);
    await aborted(deps.signal);
    deps.stdout(`${NAME}: shutting down\n`);
    return ExitCode.Ok;
  } catch (err) {
    deps.stderr(`${NAME}: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.Failed;
  } finally {
    await server?.stop();
  }
}

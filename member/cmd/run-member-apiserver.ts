import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  eventTtlSecondsOf,
  servingFlags,
  servingOptionsOf,
} from '../../machinery/apiserver/serving-options.js';
import { ClusterAuthentication } from '../../machinery/apiserver/cluster-authentication.js';
import { loadOrCreatePki } from '../../machinery/apiserver/cluster-pki.js';
import { consoleLogger } from '../../machinery/controller/index.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { podType, secretType, serviceAccountType } from '../../api/index.js';
import { readTokenAuthFile } from '../../machinery/auth/token-auth-file.js';
import { runMemberApiServer, type MemberApiServerOptions } from '../apiserver/index.js';
import {
  apiServerUsage,
  resolveApiServerOptions,
  type MemberApiServerCmdOptions,
} from './apiserver-options.js';
import { splitHostPort, withBooleanValues } from '../../machinery/cmd/flags.js';
import { ExitCode, type Command, type CommandDeps } from '../../machinery/cmd/run-command.js';
import { validateApiServerOptions } from './validate-apiserver-options.js';

/** The kube-style boolean flags (`--watch-cache`, `--watch-cache=false`), for `withBooleanValues`. */
const BOOLEANS = ['watch-cache'];

/** Parses argv (unknown flags and bad booleans throw a TypeError). */
export function parseApiServerArgs(argv: string[]): {
  opts: MemberApiServerCmdOptions;
  help: boolean;
} {
  const s = { type: 'string' } as const;
  const { values: v } = parseArgs({
    args: withBooleanValues(argv, BOOLEANS),
    strict: true,
    allowPositionals: false,
    options: {
      'cluster-name': s,
      ...servingFlags,
      'cluster-dns': s,
      'service-cluster-ip-range': s,
      'service-node-port-range': s,
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return {
    opts: resolveApiServerOptions({
      clusterName: v['cluster-name'],
      ...servingOptionsOf(v),
      clusterDns: v['cluster-dns'],
      serviceClusterIpRange: v['service-cluster-ip-range'],
      serviceNodePortRange: v['service-node-port-range'],
      verbose: v.verbose,
    } as Partial<MemberApiServerCmdOptions>),
    help: v.help === true,
  };
}

/** Builds the API server's options from validated flags (reads the PKI, tokens, etcd TLS). */
export function apiServerOptions(o: MemberApiServerCmdOptions): MemberApiServerOptions {
  const pki = loadOrCreatePki(o.pkiDir, o.clusterName);
  const auth = new ClusterAuthentication({
    clusterName: o.clusterName,
    ca: pki.ca,
    serviceAccountKey: pki.serviceAccountKey,
    staticTokens: o.tokenAuthFile !== undefined ? readTokenAuthFile(o.tokenAuthFile) : [],
    types: {
      serviceAccounts: serviceAccountType,
      secrets: secretType,
      pods: podType as unknown as ResourceType,
    },
  });
  const dns = o.clusterDns !== undefined ? splitHostPort(o.clusterDns) : undefined;
  return {
    clusterName: o.clusterName,
    etcdEndpoints: o.etcdServers,
    ...(o.etcdPrefix !== undefined ? { etcdPrefix: o.etcdPrefix } : {}),
    eventTtlSeconds: eventTtlSecondsOf(o),
    watchCache: o.watchCache,
    ...(o.etcdCaFile !== undefined && o.etcdCertFile !== undefined && o.etcdKeyFile !== undefined
      ? {
          etcdTls: {
            ca: readFileSync(o.etcdCaFile, 'utf8'),
            cert: readFileSync(o.etcdCertFile, 'utf8'),
            key: readFileSync(o.etcdKeyFile, 'utf8'),
          },
        }
      : {}),
    ...(o.encryptionProviderConfig !== undefined
      ? { encryptionConfig: o.encryptionProviderConfig }
      : {}),
    ...(o.auditPolicyFile !== undefined ? { auditPolicyFile: o.auditPolicyFile } : {}),
    ...(o.auditLogPath !== undefined ? { auditLogPath: o.auditLogPath } : {}),
    auth,
    host: o.bindAddress,
    port: o.securePort,
    dns: () => dns,
    serviceClusterIpRange: o.serviceClusterIpRange,
    serviceNodePortRange: o.serviceNodePortRange,
    logger: consoleLogger(`member-apiserver ${o.clusterName}`, !o.verbose),
  };
}

/** `flotilla-member-apiserver`: serves until SIGINT/SIGTERM, then stops and exits 0. */
export const memberApiServerCommand: Command<MemberApiServerCmdOptions> = {
  name: 'member-apiserver',
  usage: apiServerUsage,
  parse: parseApiServerArgs,
  validate: validateApiServerOptions,
  run: async (o: MemberApiServerCmdOptions, deps: CommandDeps): Promise<number> => {
    await runMemberApiServer(apiServerOptions(o), deps.signal, (s) => {
      deps.stdout(`member-apiserver ${o.clusterName}: serving on ${s.url}\n`);
    });
    deps.stdout(`member-apiserver ${o.clusterName}: stopped\n`);
    return ExitCode.Ok;
  },
};

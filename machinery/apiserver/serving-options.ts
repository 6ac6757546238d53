/**
 * The kube-apiserver flags every Flotilla API server binary shares (etcd and its client TLS, the
 * PKI folder, where it listens, encryption at rest, the audit log, static tokens, how long Events
 * are kept, the watch cache): one options
 * fragment, its defaults, its `parseArgs` flags and its validation, which the federation and
 * member API server binaries compose with their own flags.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseTokenAuthFile } from '../auth/token-auth-file.js';
import {
  commaList,
  isLoopback,
  isPort,
  num,
  parseBool,
  parseDuration,
  type OptionProblem,
} from '../cmd/flags.js';
import { DEFAULT_EVENT_TTL_SECONDS } from '../storage/key-ttl.js';

/** The shared flags of an API server binary (kebab-case flags map 1:1 to these fields). */
export interface ApiServerServingOptions {
  /** `--etcd-servers`: comma-separated etcd client URLs (required). */
  etcdServers: string[];
  /** `--etcd-prefix`: key prefix; each binary has its own default. */
  etcdPrefix: string | undefined;
  /** `--etcd-cafile`: CA of etcd's serving certificate (PEM file; all three TLS files or none). */
  etcdCaFile: string | undefined;
  /** `--etcd-certfile`: client certificate for etcd (PEM file). */
  etcdCertFile: string | undefined;
  /** `--etcd-keyfile`: key of the etcd client certificate (PEM file). */
  etcdKeyFile: string | undefined;
  /** `--pki-dir`: the cluster PKI folder (`ca.crt`, `ca.key`, `sa.key`; required). */
  pkiDir: string;
  /** `--bind-address`: listen address. @defaultValue 127.0.0.1 */
  bindAddress: string;
  /** `--secure-port`: HTTPS port, 0 = any free port. @defaultValue 6443 */
  securePort: number;
  /** `--encryption-provider-config`: EncryptionConfiguration file. */
  encryptionProviderConfig: string | undefined;
  /** `--audit-policy-file`: audit Policy file (with `--audit-log-path`). */
  auditPolicyFile: string | undefined;
  /** `--audit-log-path`: where audit events are appended (with `--audit-policy-file`). */
  auditLogPath: string | undefined;
  /** `--token-auth-file`: static tokens, `token,user,uid[,"group1,group2"]` per line. */
  tokenAuthFile: string | undefined;
  /**
   * `--event-ttl`: how long an Event is kept after its last write, ms (etcd expires it); 0 keeps
   * Events until they are deleted. @defaultValue 1 h (kube-apiserver's default)
   */
  eventTtlMs: number;
  /**
   * `--watch-cache`: serve watches, lists at resourceVersion=0 and the start of updates from an
   * in-memory cache of each served type kept by one etcd watch (kube-apiserver's watch cache);
   * false reads and watches etcd for every request. @defaultValue true
   */
  watchCache: boolean;
}

/** Whole seconds of `--event-ttl` for the API server (etcd lease TTLs are whole seconds). */
export function eventTtlSecondsOf(o: Pick<ApiServerServingOptions, 'eventTtlMs'>): number {
  return Math.ceil(o.eventTtlMs / 1000);
}

/** Defaults of the optional shared fields (`etcdPrefix` is each binary's own). */
export const servingDefaults = {
  etcdCaFile: undefined,
  etcdCertFile: undefined,
  etcdKeyFile: undefined,
  bindAddress: '127.0.0.1',
  securePort: 6443,
  encryptionProviderConfig: undefined,
  auditPolicyFile: undefined,
  auditLogPath: undefined,
  tokenAuthFile: undefined,
  eventTtlMs: DEFAULT_EVENT_TTL_SECONDS * 1000,
  watchCache: true,
} as const satisfies Partial<ApiServerServingOptions>;

const s = { type: 'string' } as const;

/**
 * The shared flags for node's `parseArgs` (every value a string; the boolean `--watch-cache` goes
 * through `withBooleanValues` first, so that a bare `--watch-cache` parses).
 */
export const servingFlags = {
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
  'event-ttl': s,
  'watch-cache': s,
} as const;

/** Each shared field, undefined where its flag is unset (the binary's defaults fill it). */
export type ParsedServingOptions = {
  [K in keyof ApiServerServingOptions]: ApiServerServingOptions[K] | undefined;
};

/**
 * The shared fields of parsed flag values (unset flags stay undefined, for the defaults).
 * @throws TypeError when `--watch-cache` is not a boolean (a usage error)
 */
export function servingOptionsOf(
  v: Partial<Record<keyof typeof servingFlags, string>>,
): ParsedServingOptions {
  return {
    etcdServers: commaList(v['etcd-servers']),
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
    eventTtlMs: parseDuration(v['event-ttl']),
    watchCache: parseBool('watch-cache', v['watch-cache']),
  };
}

/** What differs between the binaries' checks. */
export interface ServingChecks {
  /** `loopback`: only 127.0.0.0/8 may be bound; `ip`: any IP address. */
  bindAddress: 'loopback' | 'ip';
  /** Also check that the named files exist, and parse the token file. @defaultValue false */
  files?: boolean;
}

/** Every problem of the shared options at once (empty when valid), in flag order. */
export function validateServingOptions(
  o: ApiServerServingOptions,
  checks: ServingChecks,
): OptionProblem[] {
  const out: OptionProblem[] = [];
  const bad = (flag: string, message: string): void => {
    out.push({ flag, message });
  };
  const file = (flag: string, path: string | undefined): void => {
    if (path === '') bad(flag, 'must not be empty');
    else if (checks.files && path !== undefined && !existsSync(path)) {
      bad(flag, `${path} does not exist`);
    }
  };
  if (o.etcdServers.length === 0) bad('--etcd-servers', 'is required');
  for (const u of o.etcdServers) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(u)) {
      bad('--etcd-servers', `"${u}" must be an http(s)://host:port URL`);
    }
  }
  if (o.etcdPrefix !== undefined && !o.etcdPrefix.startsWith('/')) {
    bad('--etcd-prefix', 'must start with /');
  }
  const tls = [o.etcdCaFile, o.etcdCertFile, o.etcdKeyFile].filter((f) => f !== undefined);
  if (tls.length !== 0 && tls.length !== 3) {
    bad('--etcd-cafile', '--etcd-cafile, --etcd-certfile and --etcd-keyfile go together');
  }
  if (tls.length === 3 && o.etcdServers.some((u) => u.startsWith('http://'))) {
    bad('--etcd-servers', 'must be https:// URLs with etcd client TLS');
  }
  file('--etcd-cafile', o.etcdCaFile);
  file('--etcd-certfile', o.etcdCertFile);
  file('--etcd-keyfile', o.etcdKeyFile);
  if (o.pkiDir === '') bad('--pki-dir', 'is required');
  if (checks.bindAddress === 'loopback' && !isLoopback(o.bindAddress)) {
    bad('--bind-address', `"${o.bindAddress}" must be a loopback address (127.0.0.0/8)`);
  } else if (checks.bindAddress === 'ip' && isIP(o.bindAddress) === 0) {
    bad('--bind-address', `"${o.bindAddress}" is not an IP address`);
  }
  if (!isPort(o.securePort)) {
    bad('--secure-port', `${String(o.securePort)} is not a port (0-65535)`);
  }
  if ((o.auditPolicyFile === undefined) !== (o.auditLogPath === undefined)) {
    bad('--audit-log-path', '--audit-log-path and --audit-policy-file go together');
  }
  file('--audit-policy-file', o.auditPolicyFile);
  file('--encryption-provider-config', o.encryptionProviderConfig);
  file('--token-auth-file', o.tokenAuthFile);
  if (checks.files && o.tokenAuthFile && existsSync(o.tokenAuthFile)) {
    try {
      parseTokenAuthFile(readFileSync(o.tokenAuthFile, 'utf8'));
    } catch (err) {
      bad('--token-auth-file', err instanceof Error ? err.message : String(err));
    }
  }
  if (!Number.isFinite(o.eventTtlMs) || o.eventTtlMs < 0) {
    bad('--event-ttl', 'must be a duration such as 1h or 5m (0 keeps Events)');
  } else if (o.eventTtlMs > 0 && o.eventTtlMs < 1000) {
    bad('--event-ttl', 'must be 0 or at least 1s (etcd lease TTLs are whole seconds)');
  }
  return out;
}

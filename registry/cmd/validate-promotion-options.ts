import { isIPv4 } from 'node:net';
import {
  isLoopback,
  parseHostPort as splitAnyHostPort,
  splitHostPort,
  type OptionProblem,
} from '../../machinery/cmd/flags.js';
import type { CommonOptions, ServiceOptions, WorkerOptions } from './promotion-options.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `HOST:PORT` with an IPv4 host and a port (0 = any when `anyPort`); undefined when malformed. */
export function parseHostPort(
  v: string,
  anyPort = false,
): { host: string; port: number } | undefined {
  const a = splitAnyHostPort(v);
  return a && (anyPort || a.port !== 0) ? a : undefined;
}

function validateCommon(o: CommonOptions, bad: (flag: string, message: string) => void): void {
  if (o.kubeconfig === '') bad('--kubeconfig', 'is required');
  if (o.redis === '') bad('--redis', 'is required');
  else if (!parseHostPort(o.redis)) bad('--redis', `"${o.redis}" must be HOST:PORT`);
  if (o.redisPasswordFile === '') bad('--redis-password-file', 'must not be empty');
  if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(o.queue)) {
    bad('--queue', `"${o.queue}" must be letters, digits, '-', '_' and '.'`);
  }
}

function validateListen(
  flag: string,
  v: string,
  bad: (flag: string, message: string) => void,
): void {
  const a = parseHostPort(v, true);
  if (!a || !isIPv4(a.host)) bad(flag, `"${v}" must be IPv4:PORT (port 0 = any)`);
}

/** `--metrics-bind-address`, when given, is a loopback `IP:PORT` (the endpoint has no auth). */
function validateMetricsBindAddress(
  v: string | undefined,
  bad: (flag: string, message: string) => void,
): void {
  if (v === undefined) return;
  const hp = splitHostPort(v);
  if (!hp) bad('--metrics-bind-address', `"${v}" is not HOST:PORT`);
  else if (!isLoopback(hp.host)) {
    bad('--metrics-bind-address', 'must be a loopback address (the endpoint has no auth)');
  }
}

/** Every problem of the service's options at once (empty when valid). */
export function validateServiceOptions(o: ServiceOptions): OptionProblem[] {
  const out: OptionProblem[] = [];
  const bad = (flag: string, message: string): void => {
    out.push({ flag, message });
  };
  validateCommon(o, bad);
  validateListen('--listen', o.listen, bad);
  validateListen('--token-listen', o.tokenListen, bad);
  if ((o.tlsCertFile === undefined) !== (o.tlsKeyFile === undefined)) {
    bad(
      o.tlsCertFile === undefined ? '--tls-cert-file' : '--tls-key-file',
      'is required with the other TLS file',
    );
  }
  if (o.notificationSecretFile === '') bad('--notification-secret-file', 'is required');
  if (o.tokenSigningCertFile === '') bad('--token-signing-cert-file', 'is required');
  if (o.tokenSigningKeyFile === '') bad('--token-signing-key-file', 'is required');
  if (o.tokenIssuer === '') bad('--token-issuer', 'must not be empty');
  if (o.environments.length === 0) bad('--environments', 'is required');
  const badEnv = o.environments.filter((e) => !DNS1123_LABEL.test(e));
  if (badEnv.length > 0) bad('--environments', `not DNS-1123 labels: ${badEnv.join(', ')}`);
  const unknown = o.protectedEnvironments.filter((e) => !o.environments.includes(e));
  if (o.environments.length > 0 && unknown.length > 0) {
    bad('--protected-environments', `not in --environments: ${unknown.join(', ')}`);
  }
  if (!/^[\x21-\x7e]+$/.test(o.workerUser) || o.workerUser.includes('=')) {
    bad('--worker-user', 'must be printable ASCII without spaces or "="');
  }
  validateMetricsBindAddress(o.metricsBindAddress, bad);
  return out;
}

/** Every problem of the worker's options at once (empty when valid). */
export function validateWorkerOptions(o: WorkerOptions): OptionProblem[] {
  const out: OptionProblem[] = [];
  const bad = (flag: string, message: string): void => {
    out.push({ flag, message });
  };
  validateCommon(o, bad);
  const int = (flag: string, v: number, min: number, max: number): void => {
    if (!Number.isInteger(v) || v < min || v > max) {
      bad(flag, `${String(v)} must be an integer from ${String(min)} to ${String(max)}`);
    }
  };
  int('--worker-concurrency', o.workerConcurrency, 1, 256);
  int('--copy-attempts', o.copyAttempts, 1, 100);
  int('--copy-backoff-ms', o.copyBackoffMs, 0, 600_000);
  int('--lock-duration-ms', o.lockDurationMs, 1000, 3_600_000);
  int('--shutdown-timeout-ms', o.shutdownTimeoutMs, 0, 3_600_000);
  if ((o.registryUser === undefined) !== (o.registryPasswordFile === undefined)) {
    bad(
      o.registryUser === undefined ? '--registry-user' : '--registry-password-file',
      'is required with the other registry credential flag',
    );
  }
  validateMetricsBindAddress(o.metricsBindAddress, bad);
  if (o.registryUser !== undefined && o.registryUrls.length === 0) {
    bad('--registry-urls', 'is required with --registry-user');
  }
  for (const u of o.registryUrls) {
    if (!URL.canParse(u) || !/^https?:$/.test(new URL(u).protocol)) {
      bad('--registry-urls', `"${u}" is not an http(s) URL`);
    }
  }
  return out;
}

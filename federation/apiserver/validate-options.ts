import { isLoopback, isPort, type OptionProblem } from '../server/option-checks.js';
import type { FederationApiServerOptions } from './options.js';

/** Every problem with the API server options at once (empty when valid). */
export function validateOptions(o: FederationApiServerOptions): OptionProblem[] {
  const out: OptionProblem[] = [];
  const bad = (flag: string, message: string): void => {
    out.push({ flag, message });
  };
  if (o.etcdServers.length === 0) bad('--etcd-servers', 'is required');
  for (const s of o.etcdServers) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(s)) {
      bad('--etcd-servers', `"${s}" must be an http(s)://host:port URL`);
    }
  }
  if (!o.etcdPrefix.startsWith('/')) bad('--etcd-prefix', 'must start with /');
  const tls = [o.etcdCaFile, o.etcdCertFile, o.etcdKeyFile].filter((f) => f !== undefined);
  if (tls.length !== 0 && tls.length !== 3) {
    bad('--etcd-cafile', '--etcd-cafile, --etcd-certfile and --etcd-keyfile go together');
  }
  if (tls.length === 3 && o.etcdServers.some((s) => s.startsWith('http://'))) {
    bad('--etcd-servers', 'must be https:// URLs with etcd client TLS');
  }
  if (o.pkiDir === '') bad('--pki-dir', 'is required');
  if (!isLoopback(o.bindAddress)) {
    bad('--bind-address', `"${o.bindAddress}" must be a loopback address (127.0.0.0/8)`);
  }
  if (!isPort(o.securePort)) {
    bad('--secure-port', `${String(o.securePort)} is not a port (0-65535)`);
  }
  if ((o.auditPolicyFile === undefined) !== (o.auditLogPath === undefined)) {
    bad('--audit-log-path', '--audit-log-path and --audit-policy-file go together');
  }
  for (const [flag, v] of [
    ['--encryption-provider-config', o.encryptionProviderConfig],
    ['--token-auth-file', o.tokenAuthFile],
  ] as const) {
    if (v === '') bad(flag, 'must not be empty');
  }
  return out;
}

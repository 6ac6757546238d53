import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseTokenAuthFile } from '../apiserver/index.js';
import type { MemberApiServerCmdOptions } from './apiserver-options.js';
import { splitHostPort, type FlagProblem } from './flags.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Returns every problem of the API server's options at once (empty when valid). */
export function validateApiServerOptions(o: MemberApiServerCmdOptions): FlagProblem[] {
  const out: FlagProblem[] = [];
  const bad = (flag: string, message: string): void => {
    out.push({ flag, message });
  };
  const file = (flag: string, path: string | undefined): void => {
    if (path !== undefined && !existsSync(path)) bad(flag, `${path} does not exist`);
  };
  if (o.clusterName === '') bad('--cluster-name', 'is required');
  else if (o.clusterName.length > 40 || !DNS1123_LABEL.test(o.clusterName)) {
    bad('--cluster-name', `"${o.clusterName}" must be a DNS-1123 label of at most 40 characters`);
  }
  if (o.etcdServers.length === 0) bad('--etcd-servers', 'is required');
  for (const u of o.etcdServers) {
    if (!/^https?:\/\/[^/\s]+$/.test(u)) {
      bad('--etcd-servers', `"${u}" is not an http(s)://host:port URL`);
    }
  }
  if (o.etcdPrefix !== undefined && !o.etcdPrefix.startsWith('/')) {
    bad('--etcd-prefix', 'must start with /');
  }
  const tls = [o.etcdCaFile, o.etcdCertFile, o.etcdKeyFile].filter((f) => f !== undefined);
  if (tls.length !== 0 && tls.length !== 3) {
    bad('--etcd-cafile', '--etcd-cafile, --etcd-certfile and --etcd-keyfile go together');
  }
  file('--etcd-cafile', o.etcdCaFile);
  file('--etcd-certfile', o.etcdCertFile);
  file('--etcd-keyfile', o.etcdKeyFile);
  if (o.pkiDir === '') bad('--pki-dir', 'is required');
  if (isIP(o.bindAddress) === 0) bad('--bind-address', `"${o.bindAddress}" is not an IP address`);
  if (!Number.isInteger(o.securePort) || o.securePort < 0 || o.securePort > 65535) {
    bad('--secure-port', `${String(o.securePort)} is not a port (0-65535)`);
  }
  file('--encryption-provider-config', o.encryptionProviderConfig);
  if ((o.auditPolicyFile === undefined) !== (o.auditLogPath === undefined)) {
    bad('--audit-log-path', '--audit-policy-file and --audit-log-path go together');
  }
  file('--audit-policy-file', o.auditPolicyFile);
  if (o.tokenAuthFile !== undefined) {
    if (!existsSync(o.tokenAuthFile)) bad('--token-auth-file', `${o.tokenAuthFile} does not exist`);
    else {
      try {
        parseTokenAuthFile(readFileSync(o.tokenAuthFile, 'utf8'));
      } catch (err) {
        bad('--token-auth-file', err instanceof Error ? err.message : String(err));
      }
    }
  }
  if (o.clusterDns !== undefined && !splitHostPort(o.clusterDns)) {
    bad('--cluster-dns', `"${o.clusterDns}" is not IP:PORT`);
  }
  return out;
}

import { enabledControllers } from '../../machinery/controller/index.js';
import { BadRequestError } from '../../machinery/errors/index.js';
import { isPort, type OptionProblem } from '../../machinery/cmd/flags.js';
import { knownControllers, type MemberOptions } from './options.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Returns every problem at once (empty when valid). */
export function validateOptions(o: MemberOptions): OptionProblem[] {
  const out: OptionProblem[] = [];
  const bad = (flag: string, message: string): void => {
    out.push({ flag, message });
  };
  if (o.name === '') bad('--name', 'is required');
  else if (o.name.length > 40 || !DNS1123_LABEL.test(o.name)) {
    bad('--name', `"${o.name}" must be a DNS-1123 label of at most 40 characters`);
  }
  if (o.etcd === '') bad('--etcd', 'is required');
  else if (!/^https?:\/\/[^/\s]+$/.test(o.etcd.split(',')[0] ?? '')) {
    bad('--etcd', `"${o.etcd}" must be an http(s)://host:port URL`);
  }
  if (o.etcdPrefix !== undefined && !o.etcdPrefix.startsWith('/')) {
    bad('--etcd-prefix', 'must start with /');
  }
  if (!isPort(o.port)) bad('--port', `${String(o.port)} is not a port (0-65535)`);
  if (!isPort(o.dnsPort)) bad('--dns-port', `${String(o.dnsPort)} is not a port (0-65535)`);
  if (!Number.isInteger(o.nodes) || o.nodes < 0 || o.nodes > 253) {
    bad('--nodes', `${String(o.nodes)} must be an integer from 0 to 253`);
  }
  if (o.runtime !== 'docker' && o.runtime !== 'hollow') {
    bad('--runtime', `"${o.runtime}" must be docker or hollow`);
  }
  if (!Number.isInteger(o.clusterIndex) || o.clusterIndex < 1 || o.clusterIndex > 254) {
    bad('--cluster-index', `${String(o.clusterIndex)} must be an integer from 1 to 254`);
  }
  if (o.nodeIpPrefix !== undefined && !/^127\.(\d{1,3})\.(\d{1,3})\.$/.test(o.nodeIpPrefix)) {
    bad(
      '--node-ip-prefix',
      `"${o.nodeIpPrefix}" must look like 127.A.B. (nodes live on loopback addresses)`,
    );
  }
  if (o.clusterDomain === '' || !o.clusterDomain.split('.').every((l) => DNS1123_LABEL.test(l))) {
    bad('--cluster-domain', `"${o.clusterDomain}" is not a DNS domain`);
  }
  try {
    enabledControllers(o.controllers, [...knownControllers]);
  } catch (err) {
    if (!(err instanceof BadRequestError)) throw err;
    bad('--controllers', err.message);
  }
  if (!(o.nodeGracePeriod > 0)) bad('--node-grace-period', 'must be positive');
  if (!(o.podEvictionTimeout >= 0)) bad('--pod-eviction-timeout', 'must not be negative');
  if (o.token !== undefined && !/^[\x21-\x7e]+$/.test(o.token)) {
    bad('--token', 'must be printable ASCII without spaces');
  }
  return out;
}

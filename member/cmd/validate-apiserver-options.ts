import { validateServingOptions } from '../../machinery/apiserver/serving-options.js';
import { splitHostPort, type OptionProblem } from '../../machinery/cmd/flags.js';
import type { MemberApiServerCmdOptions } from './apiserver-options.js';
import { parseIpv4Cidr } from '../cluster/ipv4-cidr.js';
import { parsePortRange } from '../cluster/node-port-allocator.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Returns every problem of the API server's options at once (empty when valid): any IP may be
 * bound, and the files the flags name must exist (the token file must parse).
 */
export function validateApiServerOptions(o: MemberApiServerCmdOptions): OptionProblem[] {
  const out: OptionProblem[] = [];
  if (o.clusterName === '') out.push({ flag: '--cluster-name', message: 'is required' });
  else if (o.clusterName.length > 40 || !DNS1123_LABEL.test(o.clusterName)) {
    out.push({
      flag: '--cluster-name',
      message: `"${o.clusterName}" must be a DNS-1123 label of at most 40 characters`,
    });
  }
  out.push(...validateServingOptions(o, { bindAddress: 'ip', files: true }));
  if (o.clusterDns !== undefined && !splitHostPort(o.clusterDns)) {
    out.push({ flag: '--cluster-dns', message: `"${o.clusterDns}" is not IP:PORT` });
  }
  const range = parseIpv4Cidr(o.serviceClusterIpRange);
  if (!range || range.prefix < 8 || range.prefix > 28) {
    out.push({
      flag: '--service-cluster-ip-range',
      message: `"${o.serviceClusterIpRange}" must be an IPv4 CIDR from /8 to /28 (host bits zero)`,
    });
  }
  if (!parsePortRange(o.serviceNodePortRange)) {
    out.push({
      flag: '--service-node-port-range',
      message: `"${o.serviceNodePortRange}" must be FIRST-LAST ports (1-65535, FIRST <= LAST)`,
    });
  }
  return out;
}

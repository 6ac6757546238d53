import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PKI_FILES } from '../../machinery/apiserver/cluster-pki.js';
import { enabledControllers } from '../../machinery/controller/index.js';
import { BadRequestError } from '../../machinery/errors/index.js';
import { validateLeaderElectionFlags } from '../../machinery/leaderelection/flags.js';
import { MEMBER_CONTROLLERS } from '../controllers/index.js';
import { clusterCidrProblems } from '../controllers/nodeipam/cidr.js';
import type { MemberControllerManagerCmdOptions } from './controller-manager-options.js';
import { splitHostPort, type OptionProblem } from '../../machinery/cmd/flags.js';

/** Returns every problem of the controller manager's options at once (empty when valid). */
export function validateControllerManagerOptions(
  o: MemberControllerManagerCmdOptions,
): OptionProblem[] {
  const out: OptionProblem[] = [];
  const bad = (flag: string, message: string): void => {
    out.push({ flag, message });
  };
  const file = (flag: string, path: string | undefined): void => {
    if (path !== undefined && !existsSync(path)) bad(flag, `${path} does not exist`);
  };
  if (o.kubeconfig === '') bad('--kubeconfig', 'is required');
  else file('--kubeconfig', o.kubeconfig);
  file('--scheduler-kubeconfig', o.schedulerKubeconfig);
  try {
    enabledControllers(o.controllers, [...MEMBER_CONTROLLERS]);
  } catch (err) {
    if (!(err instanceof BadRequestError)) throw err;
    bad('--controllers', err.message);
  }
  const duration = (flag: string, ms: number): boolean => {
    if (Number.isFinite(ms) && ms > 0) return true;
    bad(flag, 'must be a positive duration, e.g. 15s');
    return false;
  };
  out.push(...validateLeaderElectionFlags(o));
  duration('--node-grace-period', o.nodeGracePeriodMs);
  if (!(Number.isFinite(o.podEvictionTimeoutMs) && o.podEvictionTimeoutMs >= 0)) {
    bad('--pod-eviction-timeout', 'must be a duration, e.g. 5m0s');
  }
  if (o.metricsBindAddress !== undefined) {
    const hp = splitHostPort(o.metricsBindAddress);
    if (!hp) bad('--metrics-bind-address', `"${o.metricsBindAddress}" is not IP:PORT`);
    else if (!hp.host.startsWith('127.') && hp.host !== '::1') {
      bad('--metrics-bind-address', 'must be a loopback address (the endpoint has no auth)');
    }
  }
  if ((o.clusterSigningCertFile === undefined) !== (o.clusterSigningKeyFile === undefined)) {
    bad('--cluster-signing-key-file', 'goes together with --cluster-signing-cert-file');
  }
  file('--cluster-signing-cert-file', o.clusterSigningCertFile);
  file('--cluster-signing-key-file', o.clusterSigningKeyFile);
  if (o.pkiDir !== undefined && o.clusterSigningCertFile === undefined) {
    file('--pki-dir', join(o.pkiDir, PKI_FILES.caCert));
    file('--pki-dir', join(o.pkiDir, PKI_FILES.caKey));
  }
  const m = o.maxEndpointsPerSlice;
  if (!(Number.isInteger(m) && m >= 1 && m <= 1000)) {
    bad('--max-endpoints-per-slice', 'must be an integer between 1 and 1000');
  }
  if (o.clusterCidr !== undefined) {
    for (const p of clusterCidrProblems(o.clusterCidr, o.nodeCidrMaskSize)) {
      bad(p.field === 'clusterCidr' ? '--cluster-cidr' : '--node-cidr-mask-size', p.message);
    }
  } else if (o.allocateNodeCidrs === true) {
    bad('--allocate-node-cidrs', 'needs --cluster-cidr (the range node pod CIDRs are cut from)');
  }
  return out;
}

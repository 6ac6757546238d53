import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PKI_FILES } from '../../machinery/apiserver/cluster-pki.js';
import { enabledControllers } from '../../machinery/controller/index.js';
import { BadRequestError } from '../../machinery/errors/index.js';
import { MEMBER_CONTROLLERS } from '../controllers/index.js';
import type { MemberControllerManagerCmdOptions } from './controller-manager-options.js';
import { splitHostPort, type FlagProblem } from './flags.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Returns every problem of the controller manager's options at once (empty when valid). */
export function validateControllerManagerOptions(
  o: MemberControllerManagerCmdOptions,
): FlagProblem[] {
  const out: FlagProblem[] = [];
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
  const lease = duration('--leader-elect-lease-duration', o.leaseDurationMs);
  const renew = duration('--leader-elect-renew-deadline', o.renewDeadlineMs);
  const retry = duration('--leader-elect-retry-period', o.retryPeriodMs);
  if (lease && o.leaseDurationMs % 1000 !== 0) {
    bad('--leader-elect-lease-duration', 'must be whole seconds (Lease leaseDurationSeconds)');
  }
  if (lease && renew && o.renewDeadlineMs >= o.leaseDurationMs) {
    bad('--leader-elect-renew-deadline', 'must be shorter than --leader-elect-lease-duration');
  }
  if (renew && retry && o.retryPeriodMs >= o.renewDeadlineMs) {
    bad('--leader-elect-retry-period', 'must be shorter than --leader-elect-renew-deadline');
  }
  if (!DNS1123_LABEL.test(o.leaseNamespace)) {
    bad('--leader-elect-resource-namespace', `"${o.leaseNamespace}" is not a namespace name`);
  }
  if (o.leaseName === '' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(o.leaseName)) {
    bad('--leader-elect-resource-name', `"${o.leaseName}" is not an object name`);
  }
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
  return out;
}

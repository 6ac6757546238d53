import type { KubeletCommandOptions } from './kubelet-options.js';
import { parseNodeLabels } from './kubelet-options.js';
import type { OptionProblem } from '../../machinery/cmd/flags.js';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** An IPv4 address a node can be reached at (pods publish their ports there). */
const NODE_IP = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const LABEL_KEY = /^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Returns every problem with the kubelet's options at once (empty when valid). */
export function validateKubeletOptions(o: KubeletCommandOptions): OptionProblem[] {
  const out: OptionProblem[] = [];
  const bad = (flag: string, message: string): void => {
    out.push({ flag, message });
  };
  if (o.nodeName === '') bad('--node-name', 'is required');
  else if (o.nodeName.length > 63 || !DNS1123_SUBDOMAIN.test(o.nodeName)) {
    bad('--node-name', `"${o.nodeName}" must be a DNS-1123 subdomain of at most 63 characters`);
  }
  const ip = NODE_IP.exec(o.nodeIp);
  if (o.nodeIp === '') bad('--node-ip', 'is required');
  else if (!ip || ip.slice(1).some((n) => Number(n) > 255) || o.nodeIp === '0.0.0.0') {
    bad('--node-ip', `"${o.nodeIp}" must be the node's IPv4 address (127.x.y.z on one machine)`);
  }
  if (o.kubeconfig === '') bad('--kubeconfig', 'is required');
  if (o.bootstrapKubeconfig === '') bad('--bootstrap-kubeconfig', 'must not be empty');
  if (o.certDir === '') bad('--cert-dir', 'must not be empty');
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
    bad('--port', `${String(o.port)} is not a port (0-65535)`);
  }
  if (o.runtime !== 'docker' && o.runtime !== 'hollow') {
    bad('--runtime', `"${o.runtime}" must be docker or hollow`);
  }
  if (!/^[A-Za-z0-9-]*$/.test(o.clusterId)) bad('--cluster-id', 'must be a uid');
  for (const [k, v] of Object.entries(parseNodeLabels(o.nodeLabels))) {
    if (!LABEL_KEY.test(k) || !LABEL_VALUE.test(v)) {
      bad('--node-labels', `"${k}=${v}" is not a valid label`);
    }
  }
  if (!(o.nodeStatusUpdateFrequency > 0)) {
    bad('--node-status-update-frequency', 'must be a positive number of seconds');
  }
  if (!(o.syncFrequency > 0)) bad('--sync-frequency', 'must be a positive number of seconds');
  return out;
}

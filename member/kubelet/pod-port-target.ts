/** Where the kubelet reaches a pod's port for port forwarding. */
import type { Pod } from '../../api/index.js';
import type { PortTarget } from './port-forward.js';

/**
 * A pod's port at the pod's address (`status.podIP`; the node address for a hostNetwork pod):
 * containers publish their declared ports there with the same numbers (never reached through the
 * container's own bridge address). An undeclared port cannot be forwarded, nor a pod that has no
 * address yet.
 */
export function podPortTarget(pod: Pod, nodeAddress: string): PortTarget {
  return (port) => {
    const declared = pod.spec.containers.some((c) =>
      (c.ports ?? []).some((p) => p.containerPort === port),
    );
    if (!declared) {
      return {
        error: `pod ${pod.metadata.name ?? ''} does not publish port ${String(port)}: declare it in spec.containers[].ports`,
      };
    }
    const host = pod.spec.hostNetwork === true ? nodeAddress : pod.status?.podIP;
    if (host === undefined) {
      return { error: `pod ${pod.metadata.name ?? ''} has no address yet` };
    }
    return { host, port };
  };
}

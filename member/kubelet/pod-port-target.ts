/** Where the kubelet reaches a pod's port for port forwarding. */
import type { Pod } from '../../api/index.js';
import { HOST_PORTS_ANNOTATION } from '../controllers/host-ports.js';
import { parseHostPorts } from './host-port-assigner.js';
import type { PortTarget } from './port-forward.js';

/**
 * A pod's port as published on its node: containers publish their declared ports on the node's
 * loopback address (never reached through the container's own address), on the host port the
 * pod's host-ports annotation records. An undeclared port cannot be forwarded.
 */
export function podPortTarget(pod: Pod, nodeAddress: string): PortTarget {
  return (port) => {
    const hostPorts = parseHostPorts(pod.metadata.annotations?.[HOST_PORTS_ANNOTATION]);
    const declared = pod.spec.containers.some((c) =>
      (c.ports ?? []).some((p) => p.containerPort === port),
    );
    const hostPort =
      hostPorts[String(port)] ??
      pod.spec.containers
        .flatMap((c) => c.ports ?? [])
        .find((p) => p.containerPort === port && p.hostPort !== undefined)?.hostPort;
    if (!declared || hostPort === undefined) {
      return {
        error: `pod ${pod.metadata.name ?? ''} does not publish port ${String(port)}: declare it in spec.containers[].ports`,
      };
    }
    return { host: nodeAddress, port: hostPort };
  };
}

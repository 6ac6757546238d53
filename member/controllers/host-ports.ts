import type { Pod } from '../../api/index.js';

/**
 * Pods on a Flotilla member share their node's loopback address (127.0.N.M), so a container port is
 * reached through the host port the kubelet published for it. The kubelet records that mapping
 * (containerPort → hostPort) in this annotation; Endpoints and DNS SRV records use it.
 */
export const HOST_PORTS_ANNOTATION = 'flotilla.io/host-ports';

/** The reachable port for a container port of a pod. */
export function reachablePort(pod: Pod, containerPort: number): number {
  const raw = pod.metadata.annotations?.[HOST_PORTS_ANNOTATION];
  if (raw) {
    try {
      const map = JSON.parse(raw) as Record<string, number>;
      const hp = map[String(containerPort)];
      if (typeof hp === 'number') return hp;
    } catch {
      // ignore a malformed annotation
    }
  }
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      if (p.containerPort === containerPort && p.hostPort) return p.hostPort;
    }
  }
  return containerPort;
}

import { freePort } from '../../machinery/util/free-port.js';
import type { Pod } from '../../api/index.js';
import { HOST_PORTS_ANNOTATION } from '../controllers/host-ports.js';
import type { PodState } from './pod-state.js';

/**
 * Gives every declared container port of `pod` a host port on the node address: the pod's own
 * `hostPort`, else the one its annotation records (the state is new after a kubelet restart, but
 * its containers were created with those ports), else a free one. Fills `state.hostPorts`;
 * resolves true when a new port was chosen.
 */
export async function assignHostPorts(
  pod: Pod,
  state: PodState,
  nodeAddress: string,
): Promise<boolean> {
  let changed = false;
  const recorded = parseHostPorts(pod.metadata.annotations?.[HOST_PORTS_ANNOTATION]);
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      const k = String(p.containerPort);
      if (state.hostPorts[k] !== undefined) continue;
      const known = recorded[k];
      if (known !== undefined) {
        state.hostPorts[k] = known;
        continue;
      }
      state.hostPorts[k] = p.hostPort ?? (await freePort(nodeAddress));
      changed = true;
    }
  }
  return changed;
}

/** The `containerPort → hostPort` map of the host-ports annotation; empty when absent or garbled. */
export function parseHostPorts(text: string | undefined): Record<string, number> {
  if (text === undefined) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== 'object') return {};
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(parsed)) {
      if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 65536) out[k] = v;
    }
    return out;
  } catch {
    return {};
  }
}

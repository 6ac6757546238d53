import type { StatusCause } from '../../machinery/meta.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { memberResourceTypes, serviceType, type Service } from '../../api/index.js';
import type { ClusterIpAllocator } from './cluster-ip-allocator.js';
import { NodePortAllocator } from './node-port-allocator.js';
import { assignNodePorts, checkNodePorts, type NodePortWrite } from './node-port-strategy.js';
import { restrictKubeletCreates } from './node-restriction.js';

/** The registry's own name rule (DNS-1123 subdomain); a name failing it is refused after `validate`. */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const badName = (name: string): boolean => name.length > 253 || !DNS1123_SUBDOMAIN.test(name);

/**
 * memberResourceTypes, with a Service strategy that allocates ClusterIPs from `alloc` (and node
 * ports of NodePort/LoadBalancer Services from `nodePorts`, {@link assignNodePorts}) and Node
 * and Lease creates held to the kubelet's own name ({@link restrictKubeletCreates}).
 *
 * The generic registry calls `defaults` and then `validate` on the same object, so the address
 * `defaults` allocated for a write is known in `validate`: an update that omits `spec.clusterIP`
 * keeps the old address (as Kubernetes does) and a write refused by validation hands its new
 * address back at once. Writes that fail after validation (name taken, storage errors) and
 * deleted Services are released by the `ClusterIpRepairController`.
 */
export function servedTypes(
  alloc: ClusterIpAllocator,
  nodePorts: NodePortAllocator = new NodePortAllocator(),
): ResourceType[] {
  const base = serviceType as unknown as ResourceType;
  /** Objects of in-flight writes whose clusterIP was allocated by `defaults`. */
  const allocated = new WeakSet<object>();
  /** Node ports `defaults` allocated or found taken, per in-flight write. */
  const portWrites = new WeakMap<object, NodePortWrite>();
  const svcType: ResourceType = {
    ...base,
    defaults: (o) => {
      base.defaults?.(o);
      const s = o as Service;
      if (s.spec.type !== 'ExternalName') portWrites.set(o, assignNodePorts(s, nodePorts));
      if (s.spec.type === 'ExternalName' || s.spec.clusterIP === 'None') return;
      if (s.spec.clusterIP === undefined || s.spec.clusterIP === '') {
        s.spec.clusterIP = alloc.allocate();
        s.spec.clusterIPs = [s.spec.clusterIP];
        allocated.add(o);
      } else alloc.reserve(s.spec.clusterIP);
    },
    validate: (o, old) => {
      const s = o as Service;
      const oldIp = (old as Service | undefined)?.spec.clusterIP;
      if (allocated.has(o) && oldIp !== undefined && oldIp !== '' && s.spec.clusterIP) {
        alloc.release(s.spec.clusterIP);
        allocated.delete(o);
        s.spec.clusterIP = oldIp;
        s.spec.clusterIPs = [oldIp];
      }
      const ports = checkNodePorts(s, old as Service | undefined, nodePorts, portWrites.get(o));
      portWrites.delete(o);
      const causes: StatusCause[] = [...(base.validate?.(o, old) ?? []), ...ports.causes];
      const refused = causes.length > 0 || badName(o.metadata.name ?? '');
      if (refused && allocated.has(o) && s.spec.clusterIP) alloc.release(s.spec.clusterIP);
      if (refused) ports.onRefused();
      return causes;
    },
  };
  return memberResourceTypes.map((t) =>
    t.plural === 'services' && t.group === '' ? svcType : restrictKubeletCreates(t),
  );
}

import type { StatusCause } from '../../machinery/meta.js';
import type { Service } from '../../api/index.js';
import type { NodePortAllocator } from './node-port-allocator.js';

/** Types whose ports get a node port. */
const NODE_PORT_TYPES = new Set(['NodePort', 'LoadBalancer']);

/** What {@link assignNodePorts} did to one write, for {@link checkNodePorts}. */
export interface NodePortWrite {
  /** Ports allocated for this write (returned when it is refused or keeps its old ports). */
  allocated: number[];
  /** Chosen ports another Service holds: index of the port in spec.ports → its port. */
  taken: Map<number, number>;
}

const ownerOf = (s: Service): string => `${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`;

/**
 * Registry `defaults` step: a NodePort or LoadBalancer Service gets a node port for every port
 * without one; chosen ones in the range are reserved for it. Other types lose their node ports (a
 * type change to ClusterIP frees them, as Kubernetes does).
 */
export function assignNodePorts(s: Service, alloc: NodePortAllocator): NodePortWrite {
  const write: NodePortWrite = { allocated: [], taken: new Map() };
  const ports = s.spec.ports ?? [];
  if (!NODE_PORT_TYPES.has(s.spec.type ?? 'ClusterIP')) {
    for (const p of ports) delete p.nodePort;
    return write;
  }
  const owner = ownerOf(s);
  ports.forEach((p, i) => {
    if (p.nodePort === undefined || p.nodePort === 0) {
      p.nodePort = alloc.allocate(owner);
      write.allocated.push(p.nodePort);
    } else if (alloc.inRange(p.nodePort) && !alloc.reserve(p.nodePort, owner)) {
      write.taken.set(i, p.nodePort);
    }
  });
  return write;
}

/**
 * Registry `validate` step: an update that omitted a port's node port keeps the old one (the new
 * allocation goes back); chosen ports must be in the range and free; a refused write returns what
 * it allocated (`refused` is asked after every other rule ran).
 */
export function checkNodePorts(
  s: Service,
  old: Service | undefined,
  alloc: NodePortAllocator,
  write: NodePortWrite | undefined,
): { causes: StatusCause[]; onRefused: () => void } {
  const causes: StatusCause[] = [];
  const allocated = new Set(write?.allocated ?? []);
  (s.spec.ports ?? []).forEach((p, i) => {
    const f = `spec.ports[${String(i)}].nodePort`;
    if (p.nodePort === undefined) return;
    const prev = old?.spec.ports?.find(
      (o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'),
    )?.nodePort;
    if (allocated.has(p.nodePort) && prev !== undefined && prev !== p.nodePort) {
      alloc.release(p.nodePort);
      allocated.delete(p.nodePort);
      p.nodePort = prev;
      return;
    }
    if (!alloc.inRange(p.nodePort)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: f,
        message: `Invalid value: ${String(p.nodePort)}: provided port is not in the valid range. The range of valid ports is ${alloc.range}`,
      });
    } else if (write?.taken.has(i) === true) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: f,
        message: `Invalid value: ${String(p.nodePort)}: provided port is already allocated`,
      });
    }
  });
  return {
    causes,
    onRefused: () => {
      for (const port of allocated) alloc.release(port);
    },
  };
}

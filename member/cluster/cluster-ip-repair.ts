import { Controller, type Logger } from '../../machinery/controller/index.js';
import type { InformerFactory } from '../../machinery/informer/index.js';
import { SERVICES, type Service } from '../../api/index.js';
import type { ClusterIpAllocator } from './cluster-ip-allocator.js';
import type { NodePortAllocator } from './node-port-allocator.js';

export const ControllerName = 'clusterip-repair-controller';
/** The single work item: the repair always compares the whole allocator with the whole cache. */
export const REPAIR_KEY = 'clusterips';

/** Options for {@link ClusterIpRepairController}. */
export interface ClusterIpRepairOptions {
  informers: InformerFactory;
  allocator: ClusterIpAllocator;
  /** Node ports of deleted Services go back here too, when given. */
  nodePorts?: NodePortAllocator;
  /**
   * An address unused for less than this may belong to a create still on its way to storage or
   * to the informer cache, so it is kept. @defaultValue 30000
   */
  graceMs?: number;
  /** Period of the full repair (catches creates that failed after allocation). @defaultValue 30000 */
  periodMs?: number;
  logger?: Logger;
}

/**
 * Returns the ClusterIPs (and node ports) of deleted Services (and of Service writes that failed after `defaults`
 * allocated an address) to the allocator, like Kubernetes' ClusterIP repair loop: a Service
 * delete enqueues the repair, and it also runs every `periodMs`.
 */
export class ClusterIpRepairController {
  readonly controller: Controller;
  private readonly opts: ClusterIpRepairOptions;

  constructor(opts: ClusterIpRepairOptions) {
    this.opts = opts;
    const services = opts.informers.for<Service>(SERVICES);
    this.controller = new Controller({
      name: ControllerName,
      informers: [services],
      reconcile: () => Promise.resolve(this.reconcile()),
      workers: 1,
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
    services.addEventHandler({ onDelete: () => this.controller.enqueue(REPAIR_KEY) });
    // the first run starts the periodic repair (requeued by every reconcile)
    this.controller.enqueue(REPAIR_KEY);
  }

  /** Releases addresses no cached Service holds (past the grace); returns when to run again. */
  reconcile(): { requeueAfterMs: number } {
    const inUse = new Set<string>();
    for (const s of this.opts.informers.for<Service>(SERVICES).list()) {
      for (const ip of [s.spec.clusterIP, ...(s.spec.clusterIPs ?? [])]) {
        if (ip !== undefined && ip !== '' && ip !== 'None') inUse.add(ip);
      }
    }
    const grace = this.opts.graceMs ?? 30_000;
    const freed = this.opts.allocator.releaseUnused(inUse, grace);
    if (freed.length > 0) this.opts.logger?.info(`released ClusterIPs ${freed.join(', ')}`);
    if (this.opts.nodePorts) {
      const ports = new Set<number>();
      for (const s of this.opts.informers.for<Service>(SERVICES).list()) {
        for (const p of s.spec.ports ?? []) if (p.nodePort !== undefined) ports.add(p.nodePort);
      }
      const freedPorts = this.opts.nodePorts.releaseUnused(ports, grace);
      if (freedPorts.length > 0) {
        this.opts.logger?.info(`released node ports ${freedPorts.join(', ')}`);
      }
    }
    return { requeueAfterMs: this.opts.periodMs ?? 30_000 };
  }

  /** Runs until the signal aborts. */
  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal);
  }
}

import { InvalidError } from '../../machinery/errors/index.js';

/** The default `--service-node-port-range`. */
export const DEFAULT_SERVICE_NODE_PORT_RANGE = '30000-32767';

/** Options for {@link NodePortAllocator}. */
export interface NodePortAllocatorOptions {
  /** `FIRST-LAST`, inclusive. @defaultValue {@link DEFAULT_SERVICE_NODE_PORT_RANGE} */
  range?: string;
  /** Clock for reservation times. @defaultValue Date.now */
  now?: () => number;
}

/** `FIRST-LAST` → the two ports, or undefined when it is not a valid port range. */
export function parsePortRange(range: string): { first: number; last: number } | undefined {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(range);
  if (!m) return undefined;
  const first = Number(m[1]);
  const last = Number(m[2]);
  if (first < 1 || last > 65535 || first > last) return undefined;
  return { first, last };
}

/**
 * Hands out node ports of Services of type NodePort and LoadBalancer from
 * `--service-node-port-range`, and holds user-chosen ones for their Service (`ns/name`), so two
 * Services never get the same port. Like {@link ClusterIpAllocator}, ports go back through
 * `release` (a refused write) and `releaseUnused` (the repair controller: deleted Services).
 */
export class NodePortAllocator {
  /** port → the Service holding it and when it was last reserved. */
  private readonly used = new Map<number, { owner: string; at: number }>();
  private readonly now: () => number;
  /** The range as given. */
  readonly range: string;
  readonly first: number;
  readonly last: number;
  private next: number;

  constructor(opts: NodePortAllocatorOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.range = opts.range ?? DEFAULT_SERVICE_NODE_PORT_RANGE;
    const r = parsePortRange(this.range);
    if (!r) throw new TypeError(`service node port range "${this.range}" is not FIRST-LAST`);
    this.first = r.first;
    this.last = r.last;
    this.next = r.first;
  }

  /** True when `port` lies in the range. */
  inRange(port: number): boolean {
    return Number.isInteger(port) && port >= this.first && port <= this.last;
  }

  /**
   * Holds `port` for `owner` (`ns/name`); false when another Service holds it. Existing Services
   * at start-up and user-chosen ports come through here.
   */
  reserve(port: number, owner: string): boolean {
    const cur = this.used.get(port);
    if (cur && cur.owner !== owner) return false;
    this.used.set(port, { owner, at: this.now() });
    return true;
  }

  /** The Service holding `port`, if any. */
  ownerOf(port: number): string | undefined {
    return this.used.get(port)?.owner;
  }

  /** Returns a port to the pool. */
  release(port: number): void {
    this.used.delete(port);
  }

  /** Number of ports in use. */
  get size(): number {
    return this.used.size;
  }

  /** The next free port for `owner`; throws InvalidError when the range is exhausted. */
  allocate(owner: string): number {
    const span = this.last - this.first + 1;
    for (let i = 0; i < span; i++) {
      const port = this.first + ((this.next++ - this.first) % span);
      if (!this.used.has(port)) {
        this.used.set(port, { owner, at: this.now() });
        return port;
      }
    }
    throw new InvalidError(`service node port range ${this.range} is exhausted`, {
      kind: 'Service',
      causes: [
        { reason: 'FieldValueInvalid', field: 'spec.ports[].nodePort', message: 'range is full' },
      ],
    });
  }

  /**
   * Releases every port not in `inUse` that was reserved more than `graceMs` ago (younger ones may
   * belong to a write still on its way to storage); returns them.
   */
  releaseUnused(inUse: ReadonlySet<number>, graceMs: number): number[] {
    const cutoff = this.now() - graceMs;
    const freed: number[] = [];
    for (const [port, u] of this.used) {
      if (!inUse.has(port) && u.at <= cutoff) {
        this.used.delete(port);
        freed.push(port);
      }
    }
    return freed;
  }
}

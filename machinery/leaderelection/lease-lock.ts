/**
 * The coordination.k8s.io/v1 Lease resource lock of client-go (`resourcelock.LeaseLock`): maps a
 * {@link LeaderElectionRecord} to and from a Lease's spec and remembers the last Lease it read or
 * wrote, whose resourceVersion makes every update a compare-and-swap.
 */
import type { KubeClient, ResourceClient } from '../client/kube-client.js';
import type { GroupVersionResource, KubeObject } from '../meta.js';

/**
 * `coordination.k8s.io/v1` `leases`. Spelled here rather than imported from `api/` (which also
 * exports it as `LEASES`) because `machinery/` imports nothing outside itself.
 */
export const LEASE_GVR: GroupVersionResource = {
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
};

/** The spec fields of a coordination.k8s.io/v1 Lease that leader election reads and writes. */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** MicroTime, e.g. `2024-01-02T03:04:05.123456Z`. */
  acquireTime?: string;
  /** MicroTime. */
  renewTime?: string;
  leaseTransitions?: number;
}

/** A coordination.k8s.io/v1 Lease as leader election sees it. */
export interface LeaseObject extends KubeObject {
  spec?: LeaseSpec;
}

/** client-go's `LeaderElectionRecord`: the state of one election, as stored in the Lease spec. */
export interface LeaderElectionRecord {
  /** '' when nobody holds the lease (released). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

/** The record a Lease's spec holds (absent fields as client-go reads them: '' and 0). */
export function recordFromLease(lease: LeaseObject): LeaderElectionRecord {
  const s = lease.spec ?? {};
  return {
    holderIdentity: s.holderIdentity ?? '',
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: s.acquireTime ?? '',
    renewTime: s.renewTime ?? '',
    leaseTransitions: s.leaseTransitions ?? 0,
  };
}

/**
 * A canonical serialisation of a record: two reads that give the same string saw no change (the
 * role of client-go's `observedRawRecord` byte comparison).
 */
export function rawRecord(r: LeaderElectionRecord): string {
  return JSON.stringify([
    r.holderIdentity,
    r.leaseDurationSeconds,
    r.acquireTime,
    r.renewTime,
    r.leaseTransitions,
  ]);
}

/** A MicroTime string (RFC 3339 with microseconds, UTC) for `ms` since the epoch. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

function specOf(r: LeaderElectionRecord): LeaseSpec {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: r.acquireTime,
    renewTime: r.renewTime,
    leaseTransitions: r.leaseTransitions,
  };
}

/** Get/create/update of one Lease, keeping the last object seen for optimistic concurrency. */
export class LeaseLock {
  readonly namespace: string;
  readonly name: string;
  private readonly leases: ResourceClient<LeaseObject>;
  /** The Lease as last read or written (its resourceVersion is the update precondition). */
  private lease: LeaseObject | undefined;

  constructor(client: KubeClient, namespace: string, name: string) {
    this.namespace = namespace;
    this.name = name;
    this.leases = client.resource<LeaseObject>(LEASE_GVR, namespace);
  }

  /** `namespace/name`, for logs. */
  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  /** Reads the Lease (NotFoundError when absent) and remembers it. */
  async get(): Promise<LeaderElectionRecord> {
    this.lease = await this.leases.get(this.name);
    return recordFromLease(this.lease);
  }

  /** Creates the Lease holding `record` (AlreadyExistsError when another candidate was first). */
  async create(record: LeaderElectionRecord): Promise<void> {
    this.lease = await this.leases.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace },
      spec: specOf(record),
    });
  }

  /**
   * Writes `record` over the Lease last seen; ConflictError when the Lease changed since (another
   * candidate wrote it). Throws when the Lease was never read or created.
   */
  async update(record: LeaderElectionRecord): Promise<void> {
    if (this.lease === undefined) {
      throw new Error(`lease ${this.describe()} not initialized: get or create it first`);
    }
    this.lease = await this.leases.update({ ...this.lease, spec: specOf(record) });
  }
}

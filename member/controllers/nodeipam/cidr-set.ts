import { cidrContains, cidrSize, formatCidr, parseCidr, type Ipv4Cidr } from './cidr.js';
import { CidrOutOfRangeError, CidrSetExhaustedError } from './errors.js';

/**
 * The node CIDRs of one cluster CIDR (Kubernetes' `cidrset`): the cluster CIDR cut into blocks of
 * `nodeCidrMaskSize`, each free or allocated. `allocateNext` searches round-robin from the block
 * after the last one handed out, so a just-released block is not reused at once.
 */
export class CidrSet {
  readonly clusterCidr: Ipv4Cidr;
  readonly nodeCidrMaskSize: number;
  private readonly used: Uint8Array;
  private nextIndex = 0;
  private count = 0;

  /** @throws TypeError when the CIDR does not parse or the mask is shorter than its prefix. */
  constructor(clusterCidr: string, nodeCidrMaskSize: number) {
    const c = parseCidr(clusterCidr);
    if (!c || nodeCidrMaskSize < c.prefix || nodeCidrMaskSize > 32) {
      throw new TypeError(
        `bad cluster CIDR ${clusterCidr} / node mask ${String(nodeCidrMaskSize)}`,
      );
    }
    this.clusterCidr = c;
    this.nodeCidrMaskSize = nodeCidrMaskSize;
    this.used = new Uint8Array(2 ** (nodeCidrMaskSize - c.prefix));
  }

  /** Number of node CIDRs in the set. */
  get capacity(): number {
    return this.used.length;
  }

  /** Number allocated. */
  get allocated(): number {
    return this.count;
  }

  /** The block at `index` as text. */
  private cidrAt(index: number): string {
    const size = cidrSize({ base: 0, prefix: this.nodeCidrMaskSize });
    return formatCidr({
      base: this.clusterCidr.base + index * size,
      prefix: this.nodeCidrMaskSize,
    });
  }

  /** The index of `cidr` in the set. @throws CidrOutOfRangeError when it is not one of its blocks */
  private indexOf(cidr: string): number {
    const c = parseCidr(cidr);
    if (!c || c.prefix !== this.nodeCidrMaskSize || !cidrContains(this.clusterCidr, c)) {
      throw new CidrOutOfRangeError(cidr, formatCidr(this.clusterCidr), this.nodeCidrMaskSize);
    }
    return (c.base - this.clusterCidr.base) / cidrSize(c);
  }

  /**
   * Takes the next free node CIDR.
   * @throws CidrSetExhaustedError when none is free
   */
  allocateNext(): string {
    const n = this.used.length;
    for (let k = 0; k < n; k++) {
      const i = (this.nextIndex + k) % n;
      if (this.used[i] === 0) {
        this.used[i] = 1;
        this.count++;
        this.nextIndex = (i + 1) % n;
        return this.cidrAt(i);
      }
    }
    throw new CidrSetExhaustedError(formatCidr(this.clusterCidr), this.nodeCidrMaskSize);
  }

  /**
   * Marks a node CIDR as taken (recovery from existing Nodes); taking a taken one is a no-op.
   * @throws CidrOutOfRangeError when it is not one of the set's blocks
   */
  occupy(cidr: string): void {
    const i = this.indexOf(cidr);
    if (this.used[i] === 0) {
      this.used[i] = 1;
      this.count++;
    }
  }

  /** Whether the node CIDR is taken (false for one outside the set). */
  isUsed(cidr: string): boolean {
    try {
      return this.used[this.indexOf(cidr)] === 1;
    } catch {
      return false;
    }
  }

  /** Gives a node CIDR back; releasing a free or foreign one is a no-op. */
  release(cidr: string): void {
    let i: number;
    try {
      i = this.indexOf(cidr);
    } catch {
      return;
    }
    if (this.used[i] === 1) {
      this.used[i] = 0;
      this.count--;
    }
  }
}

/**
 * The state machine of client-go's `LeaderElector` (tryAcquireOrRenew, acquire, renew, release)
 * over a {@link LeaseLock}. `runLeaderElected` drives it.
 */
import { performance } from 'node:perf_hooks';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../errors/index.js';
import type { ResolvedLeaderElectionOptions } from './options.js';
import { LeaseLock, microTime, rawRecord, type LeaderElectionRecord } from './lease-lock.js';
import { abortable, deadline, jitter, sleep } from './timing.js';

/** How a renew loop ended: its stop signal aborted, or a renewal missed the renew deadline. */
export type RenewOutcome = 'stopped' | 'lost';

/** A signal that never aborts (release runs after the caller's signal already aborted). */
const never = new AbortController().signal;

/** One candidate's view of one Lease election. */
export class LeaseElection {
  private readonly o: ResolvedLeaderElectionOptions;
  private readonly lock: LeaseLock;
  /** The record last observed (read, or written by this candidate). */
  private observed: LeaderElectionRecord | undefined;
  private observedRaw = '';
  /**
   * When the record was last seen to change, on the monotonic clock (ms). Expiry is judged from
   * here, never from the record's renewTime, so candidates need no synchronised wall clocks.
   */
  private observedAt = 0;
  /** The holder last reported to onNewLeader ('' for none). */
  private reportedLeader = '';

  constructor(o: ResolvedLeaderElectionOptions) {
    this.o = o;
    this.lock = new LeaseLock(o.client, o.namespace, o.name);
  }

  /** `namespace/name` of the Lease. */
  describe(): string {
    return this.lock.describe();
  }

  /** Whether the last observed record names this candidate as holder. */
  isLeader(): boolean {
    return this.observed?.holderIdentity === this.o.identity;
  }

  /**
   * Tries every retryPeriod (with jitter) until the Lease is acquired (true) or `signal` aborts
   * (false).
   */
  async acquire(signal: AbortSignal): Promise<boolean> {
    this.o.logger?.info(`attempting to acquire leader lease ${this.describe()}...`);
    while (!signal.aborted) {
      const ok = await this.tryAcquireOrRenew(signal);
      this.reportTransition();
      if (ok) {
        this.o.logger?.info(`successfully acquired lease ${this.describe()}`);
        return true;
      }
      await sleep(jitter(this.o.retryPeriodMs), signal);
    }
    return false;
  }

  /**
   * Renews every retryPeriod until `stop` aborts ('stopped'), or until one renewal, retried every
   * retryPeriod, has not succeeded within renewDeadline ('lost'). Never throws.
   */
  async renewUntil(stop: AbortSignal): Promise<RenewOutcome> {
    for (;;) {
      await sleep(this.o.retryPeriodMs, stop);
      if (stop.aborted) return 'stopped';
      const round = deadline(stop, this.o.renewDeadlineMs);
      let renewed = false;
      try {
        while (!renewed && !round.signal.aborted) {
          renewed = await this.tryAcquireOrRenew(round.signal);
          this.reportTransition();
          if (!renewed) await sleep(this.o.retryPeriodMs, round.signal);
        }
      } finally {
        round.clear();
      }
      if (stop.aborted) return 'stopped';
      if (!renewed) {
        this.o.logger?.warn(`failed to renew lease ${this.describe()}: timed out`);
        return 'lost';
      }
    }
  }

  /**
   * Gives the Lease up if this candidate holds it (holderIdentity '', leaseDurationSeconds 1), so
   * the next candidate takes over at its next try. Bounded by renewDeadline; never throws.
   */
  async release(): Promise<void> {
    const observed = this.observed;
    if (observed === undefined || !this.isLeader()) return;
    const round = deadline(never, this.o.renewDeadlineMs);
    const released = (transitions: number): LeaderElectionRecord => {
      const now = microTime(Date.now());
      const r = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now };
      return { ...r, leaseTransitions: transitions };
    };
    try {
      let record = released(observed.leaseTransitions);
      try {
        await abortable(this.lock.update(record), round.signal);
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        // a renewal we stopped waiting for may have landed after all: release only if the Lease
        // is still ours, never over another candidate's record
        const current = await abortable(this.lock.get(), round.signal);
        if (current.holderIdentity !== this.o.identity) {
          this.setObserved(current);
          this.o.logger?.info(`lease ${this.describe()} already taken over; nothing to release`);
          return;
        }
        record = released(current.leaseTransitions);
        await abortable(this.lock.update(record), round.signal);
      }
      this.setObserved(record);
      this.o.logger?.info(`released lease ${this.describe()}`);
    } catch (err) {
      this.o.logger?.warn(`failed to release lease ${this.describe()}: ${message(err)}`);
    } finally {
      round.clear();
    }
  }

  /**
   * One attempt (client-go's tryAcquireOrRenew): true when this candidate wrote the Lease as
   * holder. A Conflict or AlreadyExists means another candidate wrote first.
   */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = microTime(Date.now());
    const desired: LeaderElectionRecord = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: this.o.leaseDurationSeconds,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };

    // 1. the leader first updates optimistically over the Lease it wrote last
    const mine = this.observed;
    if (mine !== undefined && this.isLeader() && this.leaseValid()) {
      const record = {
        ...desired,
        acquireTime: mine.acquireTime,
        leaseTransitions: mine.leaseTransitions,
      };
      try {
        await abortable(this.lock.update(record), signal);
        this.setObserved(record);
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        this.o.logger?.info(
          `failed to update lease ${this.describe()} optimistically: ${message(err)}, falling back to slow path`,
        );
      }
    }

    // 2. read the Lease, or create it
    let old: LeaderElectionRecord;
    try {
      old = await abortable(this.lock.get(), signal);
    } catch (err) {
      if (!(err instanceof NotFoundError)) {
        this.logFailure('error retrieving lease', err, signal);
        return false;
      }
      try {
        await abortable(this.lock.create(desired), signal);
      } catch (createErr) {
        this.logFailure('error initially creating lease', createErr, signal);
        return false;
      }
      this.setObserved(desired);
      return true;
    }

    // 3. someone else's lease that has not expired (by our clock since we saw it change)
    const raw = rawRecord(old);
    if (raw !== this.observedRaw) this.setObserved(old, raw);
    if (old.holderIdentity !== '' && this.leaseValid() && !this.isLeader()) return false;

    // 4. take it over (or renew it, after the fast path failed)
    const record = this.isLeader()
      ? { ...desired, acquireTime: old.acquireTime, leaseTransitions: old.leaseTransitions }
      : { ...desired, leaseTransitions: old.leaseTransitions + 1 };
    try {
      await abortable(this.lock.update(record), signal);
    } catch (err) {
      this.logFailure('failed to update lease', err, signal);
      return false;
    }
    this.setObserved(record);
    return true;
  }

  private leaseValid(): boolean {
    const o = this.observed;
    return o !== undefined && this.observedAt + o.leaseDurationSeconds * 1000 > performance.now();
  }

  private setObserved(record: LeaderElectionRecord, raw = rawRecord(record)): void {
    this.observed = record;
    this.observedRaw = raw;
    this.observedAt = performance.now();
  }

  /** Calls onNewLeader when the observed holder changed to a new non-empty identity. */
  private reportTransition(): void {
    const holder = this.observed?.holderIdentity ?? '';
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    if (holder === '') return;
    if (holder !== this.o.identity) {
      this.o.logger?.info(`lease ${this.describe()} is held by ${holder}`);
    }
    try {
      this.o.onNewLeader?.(holder);
    } catch (err) {
      this.o.logger?.error(`onNewLeader(${holder}) threw: ${message(err)}`);
    }
  }

  /** Logs a failed API call: silent once `signal` aborted, info for lost races, else warn. */
  private logFailure(what: string, err: unknown, signal: AbortSignal): void {
    if (signal.aborted) return;
    const lostRace = err instanceof ConflictError || err instanceof AlreadyExistsError;
    const line = `${what} ${this.describe()}: ${message(err)}`;
    if (lostRace) this.o.logger?.info(line);
    else this.o.logger?.warn(line);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

import { ConsecutiveBreaker, circuitBreaker, handleWhen, retry } from 'cockatiel';
import {
  Etcd3,
  GRPCDeadlineExceededError,
  GRPCUnavailableError,
  EtcdLeaseInvalidError,
  Range,
  type IKeyValue,
  type IWatchResponse,
  type Watcher,
} from 'etcd3';
import { performance } from 'node:perf_hooks';
import type { KubeObject } from '../meta.js';
import {
  AlreadyExistsError,
  ApiError,
  ConflictError,
  GoneError,
  InternalError,
  InvalidError,
  NotFoundError,
  TimeoutError,
} from '../errors/index.js';
import { AsyncQueue } from '../util/async-queue.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { LeaseManager } from './lease-manager.js';
import { requestIdOf, takeStoredRequestId, withStoredRequestId } from './stored-request-id.js';
import type { ValueTransformer } from './value-transformer.js';
import type {
  ObjectStorage,
  StorageEvent,
  StorageListOptions,
  StorageListResult,
  StorageWatch,
} from './object-storage.js';

/** Options for {@link EtcdStorage}. */
export interface EtcdStorageOptions {
  /** etcd client URLs, e.g. `http://127.0.0.1:2379`. */
  endpoints: string[];
  /** Prepended to every key, e.g. `/flotilla/federation`. */
  prefix?: string;
  /** An existing client (the storage then does not close it). */
  client?: Etcd3;
  /** Client TLS (PEM): the CA that signed etcd's certificate, and our client certificate. */
  tls?: { ca: string; cert: string; key: string };
  /** Encryption at rest (see encryption-config.ts). @defaultValue values stored as JSON */
  transformer?: ValueTransformer;
  /**
   * Largest stored value; a bigger object is refused with 422 before it reaches etcd. Kept a
   * little below etcd's default `--max-request-bytes` (1.5 MiB) so the transaction around the
   * value still fits. @defaultValue {@link DEFAULT_MAX_OBJECT_BYTES}
   */
  maxObjectBytes?: number;
  /**
   * Seconds a key lives after its last create or update, or undefined to keep it forever (the
   * key is the storage key without the prefix, e.g. `/registry/events/ns/x`; see key-ttl.ts).
   * Such writes carry an etcd lease shared with the other writes of the same TTL for a short
   * window (lease-manager.ts); etcd deletes the key when it expires, and watches see a DELETED.
   * @defaultValue every key is kept
   */
  ttlFor?: (key: string) => number | undefined;
}

/** etcd's default `--max-request-bytes` (1.5 MiB) minus 64 KiB for the key and transaction. */
export const DEFAULT_MAX_OBJECT_BYTES = 1.5 * 1024 * 1024 - 64 * 1024;

/**
 * Only a connection-level failure says the host is down. The etcd3 default also counts
 * request-level errors (RESOURCE_EXHAUSTED from one oversized request, a deadline of one slow
 * request) and opens the circuit for every user for 5 s after three of them.
 */
const hostDown = handleWhen((err) => err instanceof GRPCUnavailableError);

/**
 * A host whose calls run into their deadline counts against its breaker too: a connection to a
 * member that was killed and restarted can sit in grpc's reconnect back-off, where calls queue
 * instead of failing, and without this every request sent there would wait out its deadline.
 */
const hostStuck = handleWhen(
  (err) => err instanceof GRPCUnavailableError || err instanceof GRPCDeadlineExceededError,
);

/**
 * Every unary etcd call has a deadline (watches and lease keep-alives are streams and have none),
 * so no request hangs on a member that stopped answering; the caller gets a 504.
 */
export const ETCD_CALL_DEADLINE_MS = 10_000;

function etcdClient(opts: EtcdStorageOptions): Etcd3 {
  return new Etcd3({
    hosts: opts.endpoints,
    ...(opts.tls
      ? {
          credentials: {
            rootCertificate: Buffer.from(opts.tls.ca),
            certChain: Buffer.from(opts.tls.cert),
            privateKey: Buffer.from(opts.tls.key),
          },
        }
      : {}),
    // a list page of large objects exceeds grpc-js' 4 MiB default and would fail every time
    grpcOptions: { 'grpc.max_receive_message_length': 256 * 1024 * 1024 },
    defaultCallOptions: (ctx) =>
      ctx.isStream ? {} : { deadline: Date.now() + ETCD_CALL_DEADLINE_MS },
    faultHandling: {
      host: () =>
        circuitBreaker(hostStuck, { halfOpenAfter: 5_000, breaker: new ConsecutiveBreaker(3) }),
      global: retry(hostDown, { maxAttempts: 3 }),
    },
  });
}

const PAGE = 500;

function isCompacted(err: unknown): boolean {
  return err instanceof Error && /compacted/i.test(err.message);
}

function wrap(err: unknown): Error {
  if (err instanceof ApiError) return err;
  if (isCompacted(err)) {
    return new GoneError('too old resource version: revision has been compacted');
  }
  const msg = err instanceof Error ? err.message : String(err);
  if (err instanceof GRPCDeadlineExceededError) {
    return new TimeoutError(`etcd: no answer within ${String(ETCD_CALL_DEADLINE_MS)} ms: ${msg}`, {
      cause: err,
    });
  }
  return new InternalError(`etcd: ${msg}`, { cause: err });
}

/**
 * Told of every etcd request the storage makes: its operation (`get`, `list`, `create`, `update`,
 * `delete`), the resource it touches (`pods`, `deployments.apps`) and how long it took.
 */
export type EtcdRequestObserver = (operation: string, type: string, seconds: number) => void;

/** The resource of a storage key: `/registry/pods/ns/x` → `pods`, `/registry/g.io/rs/x` → `rs.g.io`. */
export function etcdRequestType(key: string): string {
  const [root, a, b] = key.split('/').filter((s) => s !== '');
  if (root !== 'registry' || a === undefined) return 'other';
  return a.includes('.') && b !== undefined ? `${b}.${a}` : a;
}

/**
 * `obj` at revision `rv`: a new top level and metadata, the rest shared with `obj`. The objects
 * given to create and update are the registry's own copies, dropped after the write, so sharing
 * is safe and saves a deep copy per write.
 */
function stamped(obj: KubeObject, rv: string): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: rv } };
}

/** Prefix range end: the prefix with its last byte incremented. */
function afterKey(key: string): string {
  return `${key}\x00`;
}

/**
 * {@link ObjectStorage} on a real etcd via the npm `etcd3` client. resourceVersion = etcd mod revision;
 * conditional writes are etcd transactions comparing `mod_revision`; list pages are read at one
 * snapshot revision; watch uses etcd watch with previous values.
 */
export class EtcdStorage implements ObjectStorage {
  readonly client: Etcd3;
  private readonly prefix: string;
  private readonly ownsClient: boolean;
  private readonly transformer: ValueTransformer | undefined;
  private readonly maxObjectBytes: number;
  /** Objects read from bytes an old key (or provider) wrote: updates must rewrite them. */
  private readonly stale = new WeakSet<KubeObject>();
  private readonly observers: EtcdRequestObserver[] = [];
  private readonly ttlFor: ((key: string) => number | undefined) | undefined;
  private readonly leases: LeaseManager;

  constructor(opts: EtcdStorageOptions) {
    this.client = opts.client ?? etcdClient(opts);
    this.ownsClient = opts.client === undefined;
    this.prefix = opts.prefix ?? '';
    this.transformer = opts.transformer;
    this.maxObjectBytes = opts.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
    this.ttlFor = opts.ttlFor;
    this.leases = new LeaseManager({
      grant: (ttl) => this.client.lease(ttl, { autoKeepAlive: false }).grant(),
    });
  }

  /** Reports every later etcd request to `observer` (the API server's etcd latency histogram). */
  observeRequests(observer: EtcdRequestObserver): void {
    this.observers.push(observer);
  }

  /** Runs one etcd request, timing it for the observers (failed requests count too). */
  private async timed<T>(operation: string, key: string, request: () => Promise<T>): Promise<T> {
    if (this.observers.length === 0) return request();
    const start = performance.now();
    try {
      return await request();
    } finally {
      const seconds = (performance.now() - start) / 1000;
      const type = etcdRequestType(key);
      for (const o of this.observers) o(operation, type, seconds);
    }
  }

  isStale(obj: KubeObject): boolean {
    return this.stale.has(obj);
  }

  /** The API request (`Audit-Id`) that wrote `obj`, for an object this storage read. */
  requestIdOf(obj: KubeObject): string | undefined {
    return requestIdOf(obj);
  }

  /** `kv`'s value as it was written (through the transformer), and whether it is stale. */
  private plainOf(kv: IKeyValue): { data: Buffer; stale: boolean } {
    return this.transformer
      ? this.transformer.fromStorage(kv.key.toString('utf8'), kv.value)
      : { data: kv.value, stale: false };
  }

  private decode(kv: IKeyValue): KubeObject {
    const { data: bytes, stale } = this.plainOf(kv);
    const obj = JSON.parse(bytes.toString('utf8')) as KubeObject;
    takeStoredRequestId(obj);
    obj.metadata.resourceVersion = String(kv.mod_revision);
    if (stale) this.stale.add(obj);
    return obj;
  }

  /**
   * `obj`'s bytes as written (`plain`) and as stored (`value`, through the transformer).
   * @throws InvalidError when the stored value would exceed `maxObjectBytes`.
   */
  private encode(fullKey: string, obj: KubeObject): { plain: Buffer; value: Buffer } {
    // the request writing it rides along, hidden ($requestId; stored-request-id.ts)
    const copy = withStoredRequestId({ ...obj, metadata: { ...obj.metadata } });
    delete copy.metadata.resourceVersion;
    const plain = Buffer.from(JSON.stringify(copy), 'utf8');
    const value = this.transformer ? this.transformer.toStorage(fullKey, plain) : plain;
    if (value.length > this.maxObjectBytes) {
      throw new InvalidError(
        `${obj.kind ?? 'object'} "${obj.metadata.name ?? ''}" is invalid: the object is too large to store: ${String(value.length)} bytes encoded, the limit is ${String(this.maxObjectBytes)} bytes`,
        {
          ...(obj.kind !== undefined ? { kind: obj.kind } : {}),
          ...(obj.metadata.name !== undefined ? { name: obj.metadata.name } : {}),
          causes: [
            {
              reason: 'FieldValueTooLong',
              field: '',
              message: `Too long: must have at most ${String(this.maxObjectBytes)} bytes`,
            },
          ],
        },
      );
    }
    return { plain, value };
  }

  /**
   * Whether `kv` holds exactly the bytes a write meant to store (with the writing request's id in
   * them). The etcd client sends a call whose connection dropped (its member stopped) once more
   * to another member; when etcd had committed the first send, the second one's compare fails on
   * the write's own result, which is then the write's outcome, not a conflict.
   */
  private holds(kv: IKeyValue, plain: Buffer): boolean {
    try {
      return this.plainOf(kv).data.equals(plain);
    } catch {
      return false;
    }
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  /**
   * The lease a write of `key` carries, or undefined for a key without a TTL.
   * @throws TimeoutError or InternalError (both retryable: nothing was written) when etcd grants
   * no lease
   */
  private async leaseOf(key: string): Promise<string | undefined> {
    const ttl = this.ttlFor?.(key);
    if (ttl === undefined || !(ttl > 0)) return undefined;
    try {
      return await this.leases.leaseFor(ttl);
    } catch (err) {
      if (err instanceof GRPCDeadlineExceededError) throw wrap(err);
      const msg = err instanceof Error ? err.message : String(err);
      throw new InternalError(`etcd: no lease granted for ${key} (ttl ${String(ttl)}s): ${msg}`, {
        cause: err,
        retryAfterSeconds: 1,
      });
    }
  }

  /**
   * Runs a write that may carry a lease; when etcd no longer knows the shared lease (revoked, or
   * expired early), forgets it and runs the write once more with a fresh one — the failed write
   * changed nothing.
   */
  private async withLease<T>(
    key: string,
    write: (lease: string | undefined) => Promise<T>,
  ): Promise<T> {
    const lease = await this.leaseOf(key);
    try {
      return await write(lease);
    } catch (err) {
      if (lease === undefined || !(err instanceof EtcdLeaseInvalidError)) throw err;
      this.leases.forget(lease);
      return write(await this.leaseOf(key));
    }
  }

  /** A put of `value` at `full`, under `lease` when there is one. */
  private put(full: string, value: Buffer, lease: string | undefined): ReturnType<Etcd3['put']> {
    const put = this.client.put(full).value(value);
    return lease === undefined ? put : put.lease(lease);
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    try {
      const full = this.k(key);
      const { plain, value } = this.encode(full, obj);
      const res = await this.withLease(key, (lease) =>
        this.timed('create', key, () =>
          this.client
            .if(full, 'Create', '==', 0)
            .then(this.put(full, value, lease))
            .else(this.client.get(full))
            .commit(),
        ),
      );
      if (!res.succeeded) {
        const kv = res.responses[0]?.response_range?.kvs[0];
        if (kv && this.holds(kv, plain)) return stamped(obj, String(kv.mod_revision));
        throw new AlreadyExistsError(`${key} already exists`);
      }
      return stamped(obj, String(res.header.revision));
    } catch (err) {
      throw wrap(err);
    }
  }

  async get(key: string): Promise<KubeObject | undefined> {
    try {
      const res = await this.timed('get', key, () => this.client.get(this.k(key)).exec());
      const kv = res.kvs[0];
      return kv ? this.decode(kv) : undefined;
    } catch (err) {
      throw wrap(err);
    }
  }

  async list(prefix: string, opts: StorageListOptions = {}): Promise<StorageListResult> {
    const full = this.k(prefix);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : undefined;
    let start = full;
    let rv: string | undefined;
    if (opts.continue !== undefined) {
      const tok = decodeContinue(opts.continue);
      rv = tok.rv;
      start = afterKey(this.k(tok.start));
    }
    try {
      const items: KubeObject[] = [];
      let lastKey: string | undefined;
      let more = false;
      const end = full.slice(0, -1) + String.fromCharCode(full.charCodeAt(full.length - 1) + 1);
      for (;;) {
        const want = limit === undefined ? PAGE : Math.max(limit - items.length, 1);
        let q = this.client
          .getAll()
          .inRange(new Range(start, end))
          .limit(want + 1);
        if (rv !== undefined) q = q.revision(rv);
        const page = q;
        const res = await this.timed('list', prefix, () => page.exec());
        rv ??= String(res.header.revision);
        let consumed = 0;
        for (const kv of res.kvs) {
          if (limit !== undefined && items.length >= limit) {
            more = true;
            break;
          }
          consumed++;
          const key = kv.key.toString('utf8');
          lastKey = key;
          start = afterKey(key);
          const obj = this.decode(kv);
          if (opts.filter && !opts.filter(obj)) continue;
          items.push(obj);
        }
        if (more) break;
        if (!res.more && consumed === res.kvs.length) break;
        if (limit !== undefined && items.length >= limit) {
          // page full: is there anything left?
          const probe = await this.client
            .getAll()
            .inRange(new Range(start, end))
            .revision(rv)
            .limit(1)
            .keys();
          more = probe.length > 0;
          break;
        }
      }
      const out: StorageListResult = { items, resourceVersion: rv };
      if (more && lastKey !== undefined) {
        out.continue = encodeContinue({ rv, start: lastKey.slice(this.prefix.length) });
      }
      return out;
    } catch (err) {
      if (isCompacted(err) && opts.continue !== undefined) {
        throw new GoneError(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      }
      throw wrap(err);
    }
  }

  async update(key: string, obj: KubeObject, expectedRv: string): Promise<KubeObject> {
    const full = this.k(key);
    try {
      const { plain, value } = this.encode(full, obj);
      const res = await this.withLease(key, (lease) =>
        this.timed('update', key, () =>
          this.client
            .if(full, 'Mod', '==', Number(expectedRv))
            .then(this.put(full, value, lease))
            .else(this.client.get(full))
            .commit(),
        ),
      );
      if (!res.succeeded) {
        const kv = res.responses[0]?.response_range?.kvs[0];
        if (!kv) throw new NotFoundError(`${key} not found`);
        if (this.holds(kv, plain)) return stamped(obj, String(kv.mod_revision));
        throw new ConflictError(
          `${key} has been modified (expected resourceVersion ${expectedRv})`,
        );
      }
      return stamped(obj, String(res.header.revision));
    } catch (err) {
      throw wrap(err);
    }
  }

  async delete(key: string, expectedRv?: string): Promise<KubeObject> {
    const full = this.k(key);
    try {
      const current = await this.client.get(full).exec();
      const kv = current.kvs[0];
      if (!kv) throw new NotFoundError(`${key} not found`);
      const rev = expectedRv ?? String(kv.mod_revision);
      const res = await this.timed('delete', key, () =>
        this.client
          .if(full, 'Mod', '==', Number(rev))
          .then(this.client.delete().key(full))
          .commit(),
      );
      if (!res.succeeded) {
        throw new ConflictError(`${key} has been modified (expected resourceVersion ${rev})`);
      }
      const obj = this.decode(kv);
      obj.metadata.resourceVersion = String(res.header.revision);
      return obj;
    } catch (err) {
      throw wrap(err);
    }
  }

  async currentRevision(): Promise<string> {
    try {
      const res = await this.client.get(this.k('/__revision_probe__')).exec();
      return String(res.header.revision);
    } catch (err) {
      throw wrap(err);
    }
  }

  watch(prefix: string, fromRv: string): StorageWatch {
    const full = this.k(prefix);
    let watcher: Watcher | undefined;
    let stopped = false;
    const stop = (): void => {
      stopped = true;
      queue.close();
      void watcher?.cancel().catch(() => undefined);
    };
    const queue = new AsyncQueue<StorageEvent>(stop);
    const start = async (): Promise<void> => {
      const next = String(Number(fromRv) + 1);
      // etcd reports a compacted start revision by cancelling the watch; check first so the caller
      // gets a clean 410 Gone instead of a cancelled stream.
      try {
        await this.client
          .get(this.k('/__revision_probe__'))
          .revision(fromRv === '0' ? next : fromRv)
          .exec();
      } catch (err) {
        if (isCompacted(err)) {
          queue.fail(new GoneError(`too old resource version: ${fromRv}`));
          return;
        }
        if (!/future revision/i.test(err instanceof Error ? err.message : '')) throw err;
      }
      if (stopped) return;
      // `watcher()` attaches the watch and returns it before etcd answered, so every handler is
      // in place before the first response (`create()` resolves only after the created response,
      // when the client has already handled it, and data arriving in the same read would find
      // no handler)
      const w = this.client.watch().prefix(full).startRevision(next).withPreviousKV().watcher();
      watcher = w;
      // Where a re-created watch must start: after the last event delivered. The etcd3 client
      // re-creates watches after a stream error (a killed etcd member) from the revision in the
      // last response header + 1, and takes that from the create response too, before the
      // history the watch asked for has arrived: a stream lost in between skipped those events.
      // Our handlers run after the client's, so they set the revision it resumes from.
      let resumeFrom = Number(next);
      const resumeHere = (): void => {
        w.request.start_revision = String(resumeFrom);
      };
      w.on('connected', resumeHere);
      w.on('data', (res) => {
        for (const ev of res.events) {
          if (ev.kv) resumeFrom = Math.max(resumeFrom, Number(ev.kv.mod_revision) + 1);
        }
        resumeHere();
      });
      w.on('data', (res) => {
        try {
          deliver(res.events);
        } catch (err) {
          // a value that cannot be read (e.g. encrypted with a key no longer configured) ends
          // the watch with the error instead of escaping the client's event emitter
          queue.fail(wrap(err));
          stop();
        }
      });
      const deliver = (events: IWatchResponse['events']): void => {
        for (const ev of events) {
          if (!ev.kv) continue;
          const prev =
            ev.prev_kv && ev.prev_kv.value.length > 0 ? this.decode(ev.prev_kv) : undefined;
          if (ev.type === 'Delete') {
            // a delete (by a client, or by etcd when a key's lease expired) carries the value
            // before it, as the watch asked; etcd leaves it out only when that revision has
            // been compacted — a DELETED we cannot build, so the client must relist (as
            // kube-apiserver fails such a watch) rather than keep the object forever
            if (!prev) {
              const at = String(ev.kv.mod_revision);
              queue.fail(
                new GoneError(
                  `too old resource version: the value before the delete at ${at} has been compacted`,
                ),
              );
              stop();
              return;
            }
            const obj = stamped(prev, String(ev.kv.mod_revision));
            queue.push({ type: 'DELETED', object: obj, previous: prev });
          } else {
            const obj = this.decode(ev.kv);
            const created = ev.kv.create_revision === ev.kv.mod_revision;
            const e: StorageEvent = { type: created ? 'ADDED' : 'MODIFIED', object: obj };
            if (prev) e.previous = prev;
            queue.push(e);
          }
        }
      };
      w.on('error', (err) => {
        queue.fail(isCompacted(err) ? new GoneError('too old resource version') : wrap(err));
      });
    };
    start().catch((err: unknown) => {
      queue.fail(wrap(err));
    });
    const iterable: StorageWatch = {
      stop,
      [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    };
    return iterable;
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.close();
    return Promise.resolve();
  }
}

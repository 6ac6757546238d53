/**
 * The network rule of tests, benches and examples on a shared machine: traffic goes only to
 * loopback (127.0.0.0/8, ::1). {@link installLoopbackGuard} makes every TCP connect and UDP send of
 * this process refuse any other destination before a packet leaves, with an error that names it,
 * so a test that would dial a ClusterIP outside loopback (10.96.x) or a container bridge address
 * (172.x) fails instead of reaching the network. Unix sockets (dockerd) are not affected.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';

/** Thrown (or passed to the connect's error path) for a destination outside loopback. */
export class NonLoopbackDestinationError extends Error {
  /** Never retried: the destination is forbidden, not unavailable. */
  readonly retryable = false;
  readonly destination: string;
  constructor(destination: string) {
    super(`network rule: ${destination} is outside 127.0.0.0/8 and must not be dialled here`);
    this.name = 'NonLoopbackDestinationError';
    this.destination = destination;
  }
}

/** Whether `address` (an IP literal) is a loopback address. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (net.isIPv4(a)) return a.startsWith('127.');
  return a === '::1' || a === '0:0:0:0:0:0:0:1';
}

type LookupFn = (
  hostname: string,
  options: dns.LookupOptions,
  callback: (
    err: NodeJS.ErrnoException | null,
    address: string | dns.LookupAddress[],
    family?: number,
  ) => void,
) => void;

/** A lookup that refuses names resolving outside loopback. */
function guardedLookup(inner: LookupFn): LookupFn {
  return (hostname, options, callback) => {
    inner(hostname, options, (err, address, family) => {
      if (err) {
        callback(err, address, family);
        return;
      }
      const all = Array.isArray(address) ? address.map((a) => a.address) : [address];
      const bad = all.find((a) => !isLoopbackAddress(a));
      if (bad !== undefined) {
        callback(new NonLoopbackDestinationError(`${hostname} (${bad})`), address, family);
        return;
      }
      callback(null, address, family);
    });
  };
}

/** Checks a host given to connect/send; names are checked after their lookup. */
function checkHost(host: string, port: unknown): void {
  if (net.isIP(host) !== 0 && !isLoopbackAddress(host)) {
    throw new NonLoopbackDestinationError(`${host}:${String(port)}`);
  }
}

let installed = false;

/** Connect options as far as the guard reads them. */
interface ConnectTarget {
  host?: string;
  port?: number | string;
  path?: string;
  lookup?: LookupFn;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** Replaces `proto[name]` by `wrap(original)`. */
function patch(proto: object, name: string, wrap: (original: Method) => Method): void {
  const original = Reflect.get(proto, name) as Method;
  Reflect.set(proto, name, wrap(original));
}

/** A copy of connect options with the host checked and the name lookup guarded. */
function guarded(o: ConnectTarget): ConnectTarget {
  checkHost(o.host ?? 'localhost', o.port);
  return { ...o, lookup: guardedLookup(o.lookup ?? dns.lookup) };
}

/** Installs the guard in this process (idempotent). */
export function installLoopbackGuard(): void {
  if (installed) return;
  installed = true;
  patch(
    net.Socket.prototype,
    'connect',
    (connect) =>
      function guardedConnect(this: unknown, ...args: unknown[]): unknown {
        const [first, second] = args;
        if (Array.isArray(first)) {
          // the internal form net.connect() and tls.connect() use: [options, callback], marked by
          // a symbol of node:net that the copy keeps
          const o = (first[0] ?? {}) as ConnectTarget;
          if (typeof o.path === 'string') return connect.apply(this, args);
          const marked: unknown[] = first.slice();
          for (const sym of Object.getOwnPropertySymbols(first)) {
            Reflect.set(marked, sym, Reflect.get(first, sym));
          }
          marked[0] = guarded(o);
          return connect.call(this, marked);
        }
        if (first !== null && typeof first === 'object') {
          const o = first as ConnectTarget;
          if (typeof o.path === 'string') return connect.apply(this, args);
          return connect.call(this, guarded(o), ...args.slice(1));
        }
        if (typeof first === 'string' && !/^\d+$/.test(first)) {
          return connect.apply(this, args); // a unix socket path
        }
        const host = typeof second === 'string' ? second : 'localhost';
        const rest = args.slice(typeof second === 'string' ? 2 : 1);
        return connect.call(this, guarded({ port: Number(first), host }), ...rest);
      },
  );
  // send(msg[, offset, length][, port][, address][, callback]): the address is the one string
  // after the message
  patch(
    dgram.Socket.prototype,
    'send',
    (send) =>
      function guardedSend(this: unknown, ...args: unknown[]): unknown {
        const port = args.slice(1).find((a) => typeof a === 'number');
        const address = args.slice(1).find((a) => typeof a === 'string');
        if (typeof address === 'string') checkHost(address, port);
        return send.apply(this, args);
      },
  );
  patch(
    dgram.Socket.prototype,
    'connect',
    (udpConnect) =>
      function guardedUdpConnect(this: unknown, ...args: unknown[]): unknown {
        if (typeof args[1] === 'string') checkHost(args[1], args[0]);
        return udpConnect.apply(this, args);
      },
  );
}

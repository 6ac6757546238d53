// A TCP proxy on 127.0.0.1 in front of one loopback server that passes at most `bytesPerSecond`
// in each direction of every connection (changeable while it runs). Where test/support/delay-proxy
// only adds latency to answers, this one stretches a big transfer (an image copy) to seconds, so a
// fault can land while it is running.
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A running {@link startThrottleProxy}. */
export interface ThrottleProxy {
  /** `<protocol>//127.0.0.1:<port>`: the target's URL through the proxy. */
  readonly url: string;
  /** Bytes per second per direction of each connection (0: unlimited). Applies at once. */
  bytesPerSecond: number;
  /**
   * Resets every open connection. With the target stopped, this cuts what the proxy (and the
   * kernel's socket buffers) still hold of its answers, as a stopped server's own sockets would.
   */
  reset(): void;
  close(): Promise<void>;
}

/** How often a throttled direction sends its next slice. */
const TICK_MS = 50;

/** Copies `from` to `to` at the proxy's rate, pausing `from` while a chunk drains. */
function pipeThrottled(from: Socket, to: Socket, proxy: ThrottleProxy): void {
  from.on('data', (chunk: Buffer) => {
    if (proxy.bytesPerSecond <= 0) {
      to.write(chunk);
      return;
    }
    from.pause();
    let off = 0;
    const tick = (): void => {
      if (to.destroyed) return;
      const slice =
        proxy.bytesPerSecond <= 0
          ? chunk.length
          : Math.max(1, Math.floor((proxy.bytesPerSecond * TICK_MS) / 1000));
      to.write(chunk.subarray(off, off + slice));
      off += slice;
      if (off < chunk.length) setTimeout(tick, TICK_MS);
      else from.resume();
    };
    tick();
  });
  from.on('end', () => to.end());
}

/** Starts a throttling proxy to `target` (`http(s)://127.0.0.1:port`) on a free loopback port. */
export async function startThrottleProxy(
  target: string,
  bytesPerSecond: number,
): Promise<ThrottleProxy> {
  const t = new URL(target);
  const sockets = new Set<Socket>();
  const proxy = {
    url: '',
    bytesPerSecond,
    reset: (): void => {
      for (const s of sockets) s.resetAndDestroy();
    },
    close: (): Promise<void> =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(t.port), t.hostname);
    sockets.add(client).add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) s.on('error', end).on('close', end);
    pipeThrottled(client, upstream, proxy);
    pipeThrottled(upstream, client, proxy);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('throttle proxy: no port');
  proxy.url = `${t.protocol}//127.0.0.1:${String(addr.port)}`;
  return proxy;
}

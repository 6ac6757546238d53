// A TCP proxy on 127.0.0.1 in front of one server (a member's API server, TLS passing through),
// to make that member slow (every chunk of its answers held back `delayMs`) or failing (each
// connection refused by a reset), and healthy again, without touching the member itself.
import { connect, createServer, type Server, type Socket } from 'node:net';

/** What the proxy does with connections. */
export type ProxyMode = 'pass' | 'refuse';

export interface DelayProxy {
  /** `https://127.0.0.1:<port>`: the endpoint to join the member with. */
  readonly url: string;
  /** Milliseconds each chunk from the server is held back (0: none). Applies at once. */
  delayMs: number;
  /** Connections forwarded so far (shows that a client really goes through the proxy). */
  readonly connections: number;
  /** Client connections open now. */
  readonly open: number;
  /** `refuse` resets every open and new connection; `pass` forwards them. */
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (`https://host:port`) on a free 127.0.0.1 port. */
export async function startDelayProxy(target: string): Promise<DelayProxy> {
  const t = new URL(target);
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  let mode: ProxyMode = 'pass';
  const proxy = {
    url: '',
    delayMs: 0,
    connections: 0,
    get open(): number {
      return clients.size;
    },
    setMode(m: ProxyMode): void {
      mode = m;
      if (m === 'refuse') for (const s of sockets) s.resetAndDestroy();
    },
    close: (): Promise<void> =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((client) => {
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    proxy.connections++;
    const upstream = connect(Number(t.port), t.hostname);
    sockets.add(client);
    sockets.add(upstream);
    clients.add(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      clients.delete(client);
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    // answers: each chunk held back delayMs, in order (a later chunk never leaves before an earlier)
    const held: { due: number; chunk: Buffer }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const drain = (): void => {
      timer = undefined;
      while (held[0] && held[0].due <= Date.now()) {
        const { chunk } = held.shift() ?? { chunk: Buffer.alloc(0) };
        if (!client.destroyed) client.write(chunk);
      }
      if (held[0]) timer = setTimeout(drain, held[0].due - Date.now());
    };
    upstream.on('data', (chunk: Buffer) => {
      const last = held[held.length - 1]?.due ?? 0;
      held.push({ due: Math.max(last, Date.now() + proxy.delayMs), chunk });
      if (timer === undefined) drain();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('delay proxy: no port');
  proxy.url = `${t.protocol}//127.0.0.1:${String(addr.port)}`;
  return proxy;
}

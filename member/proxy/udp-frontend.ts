import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { Frontend } from './frontend.js';

/** One client's session: its own socket towards the backend picked for it. */
interface UdpSession {
  socket: Socket;
  idle: NodeJS.Timeout;
  /** Datagrams that arrived before the session socket was bound. */
  pending: Buffer[] | undefined;
}

/**
 * A UDP frontend: each client (address and port) gets a session socket (bound on 127.0.0.1)
 * towards the backend picked for it; replies go back from the frontend address. A session without
 * traffic for `udpIdleTimeoutMs` is closed, so the next datagram picks a backend again.
 */
export class UdpFrontend extends Frontend {
  private socket: Socket | undefined;
  private readonly sessions = new Map<string, UdpSession>();

  protected bind(): Promise<void> {
    const socket = createSocket({ type: 'udp4' });
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        reject(err);
      };
      socket.once('error', onError);
      socket.bind({ address: this.spec.ip, port: this.spec.port, exclusive: true }, () => {
        socket.off('error', onError);
        socket.on('error', (err) => {
          this.opts.logger.warn(`${this.spec.key}: ${err.message}`);
        });
        socket.on('message', (msg, rinfo) => {
          this.receive(msg, rinfo);
        });
        this.socket = socket;
        resolve();
      });
    });
  }

  protected unbind(): Promise<void> {
    for (const key of [...this.sessions.keys()]) this.end(key);
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      socket.close(() => resolve());
    });
  }

  private receive(msg: Buffer, client: RemoteInfo): void {
    const key = `${client.address}:${String(client.port)}`;
    const s = this.sessions.get(key) ?? this.open(key, client);
    if (!s) return;
    s.idle.refresh();
    if (s.pending) s.pending.push(msg);
    else s.socket.send(msg);
  }

  private open(key: string, client: RemoteInfo): UdpSession | undefined {
    const m = this.opts.metrics;
    const b = this.lb.pick(client.address);
    if (!b) {
      m.connections.inc({ protocol: 'UDP', result: 'no_endpoint' });
      return undefined;
    }
    const socket = createSocket({ type: 'udp4' });
    const session: UdpSession = {
      socket,
      pending: [],
      idle: setTimeout(() => {
        this.end(key);
      }, this.opts.udpIdleTimeoutMs),
    };
    session.idle.unref();
    this.sessions.set(key, session);
    m.udpSessions.inc();
    m.connections.inc({ protocol: 'UDP', result: 'forwarded' });
    socket.on('error', () => {
      m.backendErrors.inc();
      this.end(key);
    });
    socket.on('message', (reply) => {
      session.idle.refresh();
      this.socket?.send(reply, client.port, client.address);
    });
    // loopback only: the session socket never binds a wildcard address
    socket.bind({ address: '127.0.0.1', port: 0 }, () => {
      socket.connect(b.port, b.ip, () => {
        const queued = session.pending ?? [];
        session.pending = undefined;
        for (const q of queued) socket.send(q);
      });
    });
    return session;
  }

  private end(key: string): void {
    const s = this.sessions.get(key);
    if (!s) return;
    this.sessions.delete(key);
    clearTimeout(s.idle);
    this.opts.metrics.udpSessions.dec();
    try {
      s.socket.close();
    } catch {
      // already closed after an error
    }
  }
}

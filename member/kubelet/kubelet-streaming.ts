/**
 * The streaming endpoints of the kubelet API: `/exec/{ns}/{pod}/{container}?command=...`,
 * `/attach/{ns}/{pod}/{container}` (WebSocket, channel protocol v5/v4) and
 * `/portForward/{ns}/{pod}`, upgraded from the kubelet's HTTPS server.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData } from 'ws';
import type { ContainerRuntime, StreamOptions } from './container-runtime.js';
import { PORT_FORWARD_PROTOCOL, servePortForward, type PortTarget } from './port-forward.js';
import {
  bridgeSession,
  CHANNEL_PROTOCOLS,
  endWithStatus,
  failureStatus,
} from './stream-channels.js';

/** A parsed streaming request path. */
export interface StreamPath {
  kind: 'exec' | 'attach' | 'portForward';
  namespace: string;
  pod: string;
  /** exec and attach only. */
  container?: string;
}

/** `/exec|attach/{ns}/{pod}/{container}` or `/portForward/{ns}/{pod}`; undefined otherwise. */
export function parseStreamPath(pathname: string): StreamPath | undefined {
  const m = /^\/(exec|attach)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(pathname);
  if (m) {
    const [ns, pod, container] = m.slice(2).map((s) => decodeURIComponent(s));
    return {
      kind: m[1] as 'exec' | 'attach',
      namespace: ns ?? '',
      pod: pod ?? '',
      container: container ?? '',
    };
  }
  const pf = /^\/portForward\/([^/]+)\/([^/]+)$/.exec(pathname);
  if (pf) {
    return {
      kind: 'portForward',
      namespace: decodeURIComponent(pf[1] ?? ''),
      pod: decodeURIComponent(pf[2] ?? ''),
    };
  }
  return undefined;
}

/**
 * The streams asked for: the API server's names (`stdin`, `stdout`, `stderr`, `tty`) or the
 * kubelet's (`input`, `output`, `error`, `tty`), `true`/`1`; `command` repeated.
 */
export function streamOptions(q: URLSearchParams, exec: boolean): StreamOptions {
  const flag = (...names: string[]): boolean =>
    names.some((n) => q.get(n) === 'true' || q.get(n) === '1');
  const tty = flag('tty');
  return {
    ...(exec ? { command: q.getAll('command') } : {}),
    stdin: flag('stdin', 'input'),
    stdout: flag('stdout', 'output'),
    // a terminal merges stderr into stdout
    stderr: !tty && flag('stderr', 'error'),
    tty,
  };
}

/** The WebSocket subprotocols of a kind of streaming request. */
export function streamProtocols(kind: StreamPath['kind']): readonly string[] {
  return kind === 'portForward' ? [PORT_FORWARD_PROTOCOL] : CHANNEL_PROTOCOLS;
}

/**
 * Why an upgrade request cannot be served as a WebSocket of one of `protocols` (SPDY, no common
 * subprotocol); undefined when it can.
 */
export function unsupportedUpgrade(
  req: IncomingMessage,
  protocols: readonly string[],
): string | undefined {
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    return `upgrade to "${req.headers.upgrade ?? ''}" is not supported: this kubelet streams over WebSocket only (${protocols.join(', ')})`;
  }
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  if (!protocols.some((p) => offered.includes(p))) {
    return `none of the WebSocket subprotocols [${offered.join(', ')}] is supported (${protocols.join(', ')})`;
  }
  return undefined;
}

/** Writes an HTTP error with a Status body on a socket that was not upgraded, then closes it. */
export function writeUpgradeError(
  socket: Duplex,
  code: number,
  reason: string,
  message: string,
): void {
  const body = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Status',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
  socket.end(
    `HTTP/1.1 ${String(code)} ${reason}\r\ncontent-type: application/json\r\n` +
      `content-length: ${String(Buffer.byteLength(body))}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Serves exec and attach sessions of a runtime over WebSocket upgrades. */
export class ContainerStreams {
  private readonly runtime: ContainerRuntime;
  private readonly wss = new WebSocketServer({
    noServer: true,
    // the order of preference is the server's
    handleProtocols: (offered) => CHANNEL_PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });

  /**
   * `SPDY/3.1+portforward.k8s.io` is no RFC 7230 token (the `/`), which ws refuses to parse: the
   * offer is checked before the upgrade and the answer added to the response headers.
   */
  private readonly portForwards = new WebSocketServer({ noServer: true }).on(
    'headers',
    (headers) => {
      headers.push(`Sec-WebSocket-Protocol: ${PORT_FORWARD_PROTOCOL}`);
    },
  );

  constructor(runtime: ContainerRuntime) {
    this.runtime = runtime;
  }

  /**
   * Upgrades an authorized exec or attach request of container `containerId` and runs the
   * session; failures after the upgrade (the runtime refusing) go out on the error channel, as
   * the kubelet reports them.
   */
  serve(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    path: StreamPath,
    containerId: string,
    query: URLSearchParams,
  ): void {
    const opts = streamOptions(query, path.kind === 'exec');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const start =
        path.kind === 'exec'
          ? this.runtime.execStream?.(containerId, opts)
          : this.runtime.attach?.(containerId, opts);
      if (!start) {
        endWithStatus(ws, failureStatus(`${path.kind} is not supported by this container runtime`));
        return;
      }
      // stdin (and its close) may come before the runtime started the session: kept until then
      const early: RawData[] = [];
      const keep = (m: RawData): void => {
        early.push(m);
      };
      ws.on('message', keep);
      start.then(
        (session) => {
          ws.off('message', keep);
          if (ws.readyState !== ws.OPEN) {
            session.close();
            return;
          }
          void bridgeSession(ws, session, opts.command, early);
        },
        (err: unknown) => {
          endWithStatus(ws, failureStatus(err instanceof Error ? err.message : String(err)));
        },
      );
    });
  }

  /** Upgrades the request only to report `message` on the error channel (the kubelet's way). */
  fail(req: IncomingMessage, socket: Duplex, head: Buffer, message: string): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      endWithStatus(ws, failureStatus(message));
    });
  }

  /** Upgrades an authorized port-forward request of pod `podName` and serves it. */
  portForward(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    podName: string,
    target: PortTarget,
  ): void {
    // offered (checked by unsupportedUpgrade); answered in the 'headers' listener
    delete req.headers['sec-websocket-protocol'];
    this.portForwards.handleUpgrade(req, socket, head, (ws) => {
      servePortForward(ws, podName, target);
    });
  }

  /** Ends every open session. */
  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    for (const ws of this.portForwards.clients) ws.terminate();
  }
}

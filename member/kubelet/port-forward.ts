/**
 * `kubectl port-forward` on the kubelet: the WebSocket subprotocol `SPDY/3.1+portforward.k8s.io`
 * (kubectl's tunneling: the binary messages carry an SPDY/3.1 session) with the
 * `portforward.k8s.io` streams — per forwarded connection an `error` stream and a `data` stream
 * with the same `requestID` and `port` headers. A data stream is connected to the pod's port on
 * the pod's address; what goes wrong is written on the error stream, which is
 * closed once the connection is done.
 */
import { connect, type Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { RST_REFUSED, SpdyServerSession, type SpdyHeaders } from './spdy-session.js';
import { HIGH_WATER_MARK, waitForDrain } from './stream-channels.js';

/** The WebSocket subprotocol of port forwarding (SPDY tunneled in binary messages). */
export const PORT_FORWARD_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

/** Where a pod port is reached from the node: the pod's address and the port. */
export type PortTarget = (port: number) => { host: string; port: number } | { error: string };

interface Request {
  errorStream?: number;
  dataStream?: number;
  socket?: Socket;
  /** An error to report once the error stream exists. */
  failure?: string;
  /** The error stream was closed. */
  done: boolean;
  /** Our half of the data stream was closed. */
  dataClosed: boolean;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Serves one port-forward WebSocket until either side closes it. */
export function servePortForward(ws: WebSocket, podName: string, target: PortTarget): void {
  const requests = new Map<string, Request>();
  const byStream = new Map<number, string>();
  const session = new SpdyServerSession(
    (bytes) => {
      if (ws.readyState === ws.OPEN) ws.send(bytes, { binary: true });
    },
    {
      onStream: (id, headers) => {
        open(id, headers);
      },
      onData: (id, data, fin) => {
        const r = requests.get(byStream.get(id) ?? '');
        if (!r || r.dataStream !== id || !r.socket) return;
        // the pod reads slower than the client sends: stop reading the WebSocket until it drained
        if (data.length > 0 && !r.socket.write(data) && !ws.isPaused) {
          ws.pause();
          r.socket.once('drain', () => {
            ws.resume();
          });
        }
        if (fin) r.socket.end();
      },
      onReset: (id) => {
        const r = requests.get(byStream.get(id) ?? '');
        r?.socket?.destroy();
      },
      onError: () => {
        ws.terminate();
      },
    },
  );

  /** Writes the failure (if any) and closes the error stream: kubectl then ends the connection. */
  const finish = (r: Request): void => {
    if (r.done || r.errorStream === undefined) return;
    r.done = true;
    session.data(r.errorStream, Buffer.from(r.failure ?? ''), true);
  };

  const closeData = (r: Request): void => {
    if (r.dataClosed || r.dataStream === undefined) return;
    r.dataClosed = true;
    session.data(r.dataStream, Buffer.alloc(0), true);
  };

  const fail = (r: Request, message: string): void => {
    r.failure ??= message;
    closeData(r);
    finish(r);
  };

  function open(id: number, headers: SpdyHeaders): void {
    const requestId = headers.requestid ?? '';
    const port = Number(headers.port);
    const r = requests.get(requestId) ?? { done: false, dataClosed: false };
    requests.set(requestId, r);
    byStream.set(id, requestId);
    if (headers.streamtype === 'error') {
      r.errorStream = id;
      if (r.failure !== undefined) finish(r);
      return;
    }
    if (headers.streamtype !== 'data' || !Number.isInteger(port) || port <= 0 || port > 65535) {
      session.reset(id, RST_REFUSED);
      return;
    }
    r.dataStream = id;
    const where = target(port);
    if ('error' in where) {
      fail(r, where.error);
      return;
    }
    const socket = connect(where.port, where.host);
    r.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      session.data(id, chunk);
      if (ws.bufferedAmount > HIGH_WATER_MARK && !socket.isPaused()) {
        socket.pause();
        waitForDrain(ws, () => socket.resume());
      }
    });
    socket.on('end', () => {
      closeData(r);
      finish(r);
    });
    socket.on('error', (err) => {
      fail(r, `error forwarding port ${String(port)} to pod ${podName}: ${err.message}`);
    });
    socket.on('close', () => {
      closeData(r);
      finish(r);
      requests.delete(requestId);
      for (const s of [r.errorStream, r.dataStream]) if (s !== undefined) byStream.delete(s);
    });
  }

  ws.on('message', (raw) => {
    session.receive(toBuffer(raw));
  });
  ws.on('close', () => {
    for (const r of requests.values()) r.socket?.destroy();
  });
  ws.on('error', () => {
    for (const r of requests.values()) r.socket?.destroy();
  });
}

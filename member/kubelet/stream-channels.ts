/**
 * The Kubernetes channel protocol over WebSocket (`v5.channel.k8s.io`, `v4.channel.k8s.io`), as
 * the kubelet's streaming server speaks it for exec and attach: every binary message starts with
 * its channel — 0 stdin, 1 stdout, 2 stderr, 3 error (the final Status), 4 resize
 * (`{"Width":80,"Height":24}`), and in v5 255 = the peer closed the stream named by the next byte.
 */
import { finished } from 'node:stream/promises';
import type { RawData, WebSocket } from 'ws';
import type { StreamSession } from './container-runtime.js';

/** The subprotocols served, the preferred first. */
export const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;
/** WebSocket close code of a normal end: kubectl's readers then see EOF. */
const NORMAL_CLOSURE = 1000;

/** The error channel's Status for an exit code, as the kubelet writes it. */
export function exitStatus(code: number | undefined, command: readonly string[] = []): object {
  if (code === undefined || code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${String(code)}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** The error channel's Status for a session that failed (e.g. the container is not running). */
export function failureStatus(message: string): object {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Buffered output beyond which the output streams pause. */
export const HIGH_WATER_MARK = 1024 * 1024;

/** Calls `then` once the socket's send buffer is below {@link HIGH_WATER_MARK} (or it closed). */
export function waitForDrain(ws: WebSocket, then: () => void): void {
  const check = (): void => {
    if (ws.readyState !== ws.OPEN || ws.bufferedAmount <= HIGH_WATER_MARK / 4) then();
    else setTimeout(check, 10);
  };
  setTimeout(check, 10);
}

/** Sends `data` on `channel`; nothing once the socket is closing. */
function send(ws: WebSocket, channel: number, data: Buffer | string): void {
  if (ws.readyState !== ws.OPEN) return;
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  ws.send(Buffer.concat([Buffer.from([channel]), body]), { binary: true });
}

/** Writes the final Status on the error channel and closes the WebSocket normally. */
export function endWithStatus(ws: WebSocket, status: object): void {
  send(ws, ERROR, JSON.stringify(status));
  if (ws.readyState === ws.OPEN) ws.close(NORMAL_CLOSURE);
}

/**
 * Connects a session to an accepted WebSocket: stdin and resizes in, stdout and stderr out; once
 * the output ended, the exit Status on the error channel, then a normal close. The client going
 * away ends the session. `backlog`: messages that came before the session existed.
 */
export function bridgeSession(
  ws: WebSocket,
  session: StreamSession,
  command: readonly string[] = [],
  backlog: readonly RawData[] = [],
): Promise<void> {
  const v5 = ws.protocol === CHANNEL_PROTOCOLS[0];
  const receive = (raw: RawData): void => {
    const buf = toBuffer(raw);
    if (buf.length === 0) return;
    const payload = buf.subarray(1);
    switch (buf[0]) {
      case STDIN:
        // the container reads slower than the client sends (kubectl cp of a big file): wait
        if (payload.length > 0 && session.stdin?.write(payload) === false && !ws.isPaused) {
          ws.pause();
          session.stdin.once('drain', () => {
            ws.resume();
          });
        }
        break;
      case RESIZE:
        for (const line of payload.toString('utf8').split('\n')) {
          if (line.trim() === '') continue;
          try {
            const size = JSON.parse(line) as { Width?: number; Height?: number };
            void session.resize(size.Width ?? 0, size.Height ?? 0).catch(() => undefined);
          } catch {
            // not a size: ignored, as the kubelet does
          }
        }
        break;
      case CLOSE:
        if (v5 && payload[0] === STDIN) session.stdin?.end();
        break;
      default:
        break;
    }
  };
  for (const m of backlog) receive(m);
  ws.on('message', receive);
  ws.on('close', () => {
    session.close();
  });
  ws.on('error', () => {
    session.close();
  });
  const outputs: Promise<void>[] = [];
  for (const [channel, stream] of [
    [STDOUT, session.stdout],
    [STDERR, session.stderr],
  ] as const) {
    if (!stream) continue;
    stream.on('data', (chunk: Buffer | string) => {
      send(ws, channel, chunk);
      // the client reads slower than the container writes: wait until the socket drained
      if (ws.bufferedAmount > HIGH_WATER_MARK && !stream.isPaused()) {
        stream.pause();
        waitForDrain(ws, () => stream.resume());
      }
    });
    outputs.push(finished(stream).catch(() => undefined));
  }
  return (async () => {
    let status: object;
    try {
      const code = await session.done;
      await Promise.all(outputs);
      status = exitStatus(code, command);
    } catch (err) {
      status = failureStatus(err instanceof Error ? err.message : String(err));
    }
    endWithStatus(ws, status);
  })();
}

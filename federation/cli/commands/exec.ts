/**
 * `flotilla exec`: runs a command in a container of a member cluster, through the federation's
 * cluster proxy, over a WebSocket speaking the Kubernetes channel protocol (`v5.channel.k8s.io`:
 * every message starts with its channel, 0 stdin, 1 stdout, 2 stderr, 3 the final Status, 255 the
 * close of a stream). The command's exit code becomes flotilla's.
 */
import { StringDecoder } from 'node:string_decoder';
import type { RawData } from 'ws';
import type { Status } from '../../../machinery/meta.js';
import { stringFlag, type CliCommand, type CommandContext } from '../cli-context.js';
import { ClusterProxyClient, upgradeRefusal } from '../cluster-proxy-client.js';
import { CliError, UsageError } from '../errors/index.js';
import { clusterFlag, podName } from './logs.js';

/** The subprotocols offered, the preferred first (v5 can close stdin). */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const CLOSE = 255;

/**
 * The exit code the error channel's Status means: 0 for Success, the `ExitCode` cause of a
 * `NonZeroExitCode` failure; undefined for any other failure (the exec itself failed).
 */
export function exitCodeOf(status: Partial<Status>): number | undefined {
  if (status.status === 'Success') return 0;
  if (status.reason !== 'NonZeroExitCode') return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) && code > 0 ? code : 1;
}

/** The query of `pods/<name>/exec` for a command and the flags. */
export function execQuery(
  command: readonly string[],
  o: { container?: string; stdin: boolean; tty: boolean },
): URLSearchParams {
  const q = new URLSearchParams();
  for (const word of command) q.append('command', word);
  if (o.container !== undefined) q.set('container', o.container);
  q.set('stdout', 'true');
  // a terminal merges stderr into stdout
  q.set('stderr', o.tty ? 'false' : 'true');
  if (o.stdin) q.set('stdin', 'true');
  if (o.tty) q.set('tty', 'true');
  return q;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

async function run(ctx: CommandContext): Promise<number> {
  const pod = podName(ctx.args[0], 'exec');
  const command = ctx.args.slice(1);
  if (command.length === 0) {
    throw new UsageError('exec needs a command: flotilla exec POD -C CLUSTER -- COMMAND [ARGS...]');
  }
  const cluster = clusterFlag(ctx, 'exec');
  const stdin = ctx.flags.stdin === true;
  const tty = ctx.flags.tty === true;
  const container = stringFlag(ctx.flags, 'container');
  if (stdin && !ctx.io.stdin) throw new UsageError('-i needs a standard input');
  // stdin is read whole first (the CLI's input is a pipe or a file, not a terminal in raw mode)
  const input = stdin && ctx.io.stdin ? await ctx.io.stdin() : undefined;
  const proxy = ClusterProxyClient.of(ctx, cluster);
  const path = `/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/pods/${encodeURIComponent(pod)}/exec`;
  const query = execQuery(command, {
    ...(container !== undefined ? { container } : {}),
    stdin,
    tty,
  });
  const ws = proxy.websocket(path, query, EXEC_PROTOCOLS);
  const out = { [STDOUT]: new StringDecoder('utf8'), [STDERR]: new StringDecoder('utf8') };
  return new Promise<number>((resolve, reject) => {
    let status: Partial<Status> | undefined;
    ws.on('unexpected-response', (_req, res) => {
      void upgradeRefusal(res, `exec ${pod}`).then(reject, reject);
    });
    ws.on('error', (err) => {
      reject(new CliError(`exec ${pod} in cluster "${cluster}": ${err.message}`, { cause: err }));
    });
    ws.on('open', () => {
      if (input === undefined) return;
      if (input !== '') ws.send(Buffer.concat([Buffer.from([STDIN]), Buffer.from(input)]));
      // v5: the end of stdin (the command sees EOF); v4 has no way to say it
      if (ws.protocol === EXEC_PROTOCOLS[0]) ws.send(Buffer.from([CLOSE, STDIN]));
    });
    ws.on('message', (raw) => {
      const buf = toBuffer(raw);
      const payload = buf.subarray(1);
      switch (buf[0]) {
        case STDOUT:
          ctx.io.stdout(out[STDOUT].write(payload));
          break;
        case STDERR:
          ctx.io.stderr(out[STDERR].write(payload));
          break;
        case ERROR:
          try {
            status = JSON.parse(payload.toString('utf8')) as Partial<Status>;
          } catch {
            status = { status: 'Failure', message: payload.toString('utf8') };
          }
          break;
        default:
          break;
      }
    });
    ws.on('close', (code, reason) => {
      ctx.io.stdout(out[STDOUT].end());
      ctx.io.stderr(out[STDERR].end());
      if (status === undefined) {
        // no Status: a normal close is a command that ended well (as kubectl reads it)
        if (code === 1000) resolve(0);
        else {
          reject(
            new CliError(
              `exec ${pod} in cluster "${cluster}": the stream closed (${String(code)} ${reason.toString('utf8')})`,
            ),
          );
        }
        return;
      }
      const exit = exitCodeOf(status);
      if (exit !== undefined) {
        resolve(exit);
        return;
      }
      reject(new CliError(status.message ?? 'exec failed'));
    });
  });
}

/** `flotilla exec POD -C CLUSTER [-n NS] [-c CONTAINER] [-i] [-t] -- COMMAND [ARGS...]` */
export const execCommand: CliCommand = {
  name: 'exec',
  summary: 'Run a command in a container of a member cluster (through the cluster proxy)',
  usage: 'flotilla exec POD -C CLUSTER [-n NS] [-c CONTAINER] [-i] [-t] -- COMMAND [ARGS...]',
  options: {
    cluster: { type: 'string', short: 'C' },
    container: { type: 'string', short: 'c' },
    stdin: { type: 'boolean', short: 'i' },
    tty: { type: 'boolean', short: 't' },
  },
  run,
};

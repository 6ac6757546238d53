/**
 * `docker exec` and `docker attach` with hijacked streams, as the kubelet's exec and attach
 * sessions: dockerd's multiplexed output split into stdout and stderr, stdin half-closed on EOF.
 */
import { PassThrough, Writable, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { StreamOptions, StreamSession } from './container-runtime.js';

/** The session of a hijacked dockerd connection; `exitCode` is asked once the output ended. */
function session(
  docker: Docker,
  stream: Duplex,
  o: StreamOptions,
  rawOutput: boolean,
  resize: (width: number, height: number) => Promise<void>,
  exitCode: () => Promise<number | undefined>,
  stdinSink: Writable = stream,
): StreamSession {
  const stdout = o.stdout || rawOutput ? new PassThrough() : undefined;
  const stderr = o.stderr && !rawOutput ? new PassThrough() : undefined;
  const ended = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  if (rawOutput) {
    stream.pipe(stdout ?? new PassThrough(), { end: false });
  } else {
    docker.modem.demuxStream(stream, stdout ?? new PassThrough(), stderr ?? new PassThrough());
  }
  const done = ended.then(async () => {
    stdout?.end();
    stderr?.end();
    return exitCode();
  });
  return {
    ...(o.stdin ? { stdin: stdinSink } : {}),
    ...(stdout ? { stdout } : {}),
    ...(stderr ? { stderr } : {}),
    resize,
    done,
    close: () => {
      stream.destroy();
    },
  };
}

/** `docker exec` of `o.command` in container `id`, its streams attached. */
export async function dockerExecStream(
  docker: Docker,
  id: string,
  o: StreamOptions,
): Promise<StreamSession> {
  const ex = await docker.getContainer(id).exec({
    Cmd: o.command ?? [],
    AttachStdin: o.stdin,
    AttachStdout: o.stdout,
    AttachStderr: o.stderr,
    Tty: o.tty,
  });
  const stream = await ex.start({ hijack: true, stdin: o.stdin, Tty: o.tty });
  return session(
    docker,
    stream,
    o,
    o.tty,
    async (w, h) => {
      await ex.resize({ w, h });
    },
    async () => {
      const info = await ex.inspect();
      return info.ExitCode ?? undefined;
    },
  );
}

/** `docker attach` to container `id` (its output from now on; stdin when it keeps one open). */
export async function dockerAttachStream(
  docker: Docker,
  id: string,
  o: StreamOptions,
): Promise<StreamSession> {
  const c = docker.getContainer(id);
  const info = await c.inspect();
  const stream = (await c.attach({
    stream: true,
    stdin: o.stdin,
    stdout: o.stdout,
    stderr: o.stderr,
    hijack: true,
  })) as unknown as Duplex;
  // dockerd closes an attach's output as soon as its stdin ends, unless the container is
  // StdinOnce (then it closes the container's stdin and the output goes on). The kubelet keeps
  // the output: for the other containers the client's stdin close is not passed on, so what the
  // container prints after reading its input still reaches the client.
  const stdinSink = info.Config.StdinOnce
    ? stream
    : new Writable({
        write(chunk: Buffer, _enc, done) {
          stream.write(chunk, done);
        },
        final(done) {
          done();
        },
      });
  return session(
    docker,
    stream,
    o,
    info.Config.Tty,
    async (w, h) => {
      await c.resize({ w, h });
    },
    () => Promise.resolve(undefined),
    stdinSink,
  );
}

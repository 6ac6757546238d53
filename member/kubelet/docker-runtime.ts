import { PassThrough, type Readable } from 'node:stream';
import Docker from 'dockerode';
import type {
  ContainerRuntime,
  ContainerSpec,
  LogOptions,
  RuntimeContainer,
  StreamOptions,
  StreamSession,
} from './container-runtime.js';
import {
  dockerStatsToContainerStats,
  type ContainerStats,
  type DockerStats,
} from './container-stats.js';
import { dockerAttachStream, dockerExecStream } from './docker-streams.js';
import { ImagePullError } from './errors/image-pull-error.js';

/** Options for {@link DockerRuntime}. */
export interface DockerRuntimeOptions {
  socketPath: string;
}

/** Splits Docker's multiplexed log stream (8-byte frame headers) into text. */
export function demuxDockerLogs(buf: Buffer): string {
  let out = '';
  let i = 0;
  while (i + 8 <= buf.length) {
    const type = buf[i];
    const size = buf.readUInt32BE(i + 4);
    if (type !== 0 && type !== 1 && type !== 2) return buf.toString('utf8');
    out += buf.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  return out;
}

/** {@link ContainerRuntime} on a real dockerd through dockerode. */
export class DockerRuntime implements ContainerRuntime {
  readonly docker: Docker;

  constructor(opts: DockerRuntimeOptions) {
    this.docker = new Docker({ socketPath: opts.socketPath });
  }

  async hasImage(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch {
      // not present (or dockerd not answering: the pull says which)
      return false;
    }
  }

  async pullImage(image: string): Promise<void> {
    try {
      const stream = await this.docker.pull(image);
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(
          stream,
          (err: Error | null, output: { error?: string }[]) => {
            const failed = output.find((o) => o.error);
            if (err) reject(err);
            else if (failed) reject(new Error(failed.error));
            else resolve();
          },
        );
      });
    } catch (err) {
      throw new ImagePullError(image, err);
    }
  }

  async create(spec: ContainerSpec): Promise<string> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of spec.ports) {
      const k = `${String(p.containerPort)}/${p.protocol.toLowerCase()}`;
      exposed[k] = {};
      (bindings[k] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
    }
    const c = await this.docker.createContainer({
      Image: spec.image,
      ...(spec.command ? { Entrypoint: spec.command } : {}),
      ...(spec.args ? { Cmd: spec.args } : {}),
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      Labels: spec.labels,
      ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
      // stdin stays open for `kubectl attach -i` (kubectl debug -i)
      ...(spec.stdin
        ? { OpenStdin: true, AttachStdin: true, StdinOnce: spec.stdinOnce === true }
        : {}),
      ...(spec.tty ? { Tty: true } : {}),
      ...(spec.networkOf ? {} : { ExposedPorts: exposed }),
      HostConfig: {
        // an ephemeral container shares a pod container's network (and its target's processes)
        ...(spec.networkOf
          ? { NetworkMode: `container:${spec.networkOf}` }
          : { PortBindings: bindings }),
        ...(spec.pidOf ? { PidMode: `container:${spec.pidOf}` } : {}),
        ...(spec.nanoCpus ? { NanoCpus: spec.nanoCpus } : {}),
        ...(spec.memoryBytes ? { Memory: spec.memoryBytes } : {}),
      },
    });
    return c.id;
  }

  async start(id: string): Promise<void> {
    await this.docker.getContainer(id).start();
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: graceSeconds });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code !== 304 && code !== 404) throw err;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code !== 404 && code !== 409) throw err;
    }
  }

  async list(labels: Record<string, string>, brief = false): Promise<RuntimeContainer[]> {
    const list = await this.docker.listContainers({
      all: true,
      filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) },
    });
    const out: RuntimeContainer[] = [];
    for (const c of list) {
      let exitCode: number | undefined;
      let startedAt: string | undefined;
      let finishedAt: string | undefined;
      const running = c.State === 'running';
      if (!brief) {
        // list does not carry exit codes and start times
        const info = await this.docker
          .getContainer(c.Id)
          .inspect()
          .catch(() => undefined);
        if (!info) continue; // removed meanwhile
        exitCode = info.State.ExitCode;
        startedAt = info.State.StartedAt;
        finishedAt = info.State.FinishedAt;
      }
      out.push({
        id: c.Id,
        labels: c.Labels,
        image: c.Image,
        imageId: c.ImageID,
        running,
        ...(exitCode !== undefined && !running ? { exitCode } : {}),
        ...(startedAt ? { startedAt } : {}),
        ...(finishedAt && !running ? { finishedAt } : {}),
        createdAt: c.Created,
      });
    }
    return out;
  }

  /** One sample of `GET /containers/{id}/stats?stream=false` ({@link dockerStatsToContainerStats}). */
  async stats(id: string): Promise<ContainerStats | undefined> {
    try {
      const c = this.docker.getContainer(id);
      const raw = (await c.stats({ stream: false })) as unknown as DockerStats;
      // a stopped container answers with empty samples
      if (raw.cpu_stats?.cpu_usage?.total_usage === undefined) return undefined;
      return dockerStatsToContainerStats(raw);
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code === 404 || code === 409) return undefined;
      throw err;
    }
  }

  async logs(id: string, opts: LogOptions): Promise<string> {
    const buf = await this.docker.getContainer(id).logs({
      stdout: true,
      stderr: true,
      follow: false,
      timestamps: opts.timestamps === true,
      ...(opts.tailLines !== undefined ? { tail: opts.tailLines } : {}),
      ...(opts.sinceSeconds !== undefined
        ? { since: Math.floor(Date.now() / 1000) - opts.sinceSeconds }
        : {}),
    });
    return demuxDockerLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)));
  }

  /** `docker logs --follow`: dockerd ends the stream when the container stops. */
  async *followLogs(id: string, opts: LogOptions, signal: AbortSignal): AsyncIterable<Buffer> {
    const stream = (await this.docker.getContainer(id).logs({
      stdout: true,
      stderr: true,
      follow: true,
      timestamps: opts.timestamps === true,
      ...(opts.tailLines !== undefined ? { tail: opts.tailLines } : {}),
      ...(opts.sinceSeconds !== undefined
        ? { since: Math.floor(Date.now() / 1000) - opts.sinceSeconds }
        : {}),
    })) as unknown as Readable;
    const out = new PassThrough();
    this.docker.modem.demuxStream(stream, out, out);
    const stop = (): void => {
      stream.destroy();
      out.end();
    };
    stream.on('end', () => out.end());
    stream.on('error', () => out.end());
    signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const chunk of out) yield chunk as Buffer;
    } finally {
      signal.removeEventListener('abort', stop);
      stream.destroy();
    }
  }

  async exec(id: string, command: string[]): Promise<number> {
    const ex = await this.docker
      .getContainer(id)
      .exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
    const stream = await ex.start({ hijack: true, stdin: false });
    await new Promise<void>((resolve) => {
      stream.on('end', () => resolve());
      stream.on('error', () => resolve());
      stream.resume();
    });
    const info = await ex.inspect();
    return info.ExitCode ?? 1;
  }

  /** `docker exec` with hijacked streams (kubectl exec, cp). */
  execStream(id: string, opts: StreamOptions): Promise<StreamSession> {
    return dockerExecStream(this.docker, id, opts);
  }

  /** `docker attach` (kubectl attach). */
  attach(id: string, opts: StreamOptions): Promise<StreamSession> {
    return dockerAttachStream(this.docker, id, opts);
  }
}

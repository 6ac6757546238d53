import { randomUUID } from 'node:crypto';
import type {
  ContainerRuntime,
  ContainerSpec,
  LogOptions,
  RuntimeContainer,
  StreamOptions,
  StreamSession,
} from './container-runtime.js';
import { hollowContainerStats, type ContainerStats } from './container-stats.js';
import { hollowExecStream } from './hollow-streams.js';
import { ImagePullError } from './errors/image-pull-error.js';

/**
 * Images the hollow runtime cannot "pull" (repository `hollow-missing`, any tag): they let tests
 * of ErrImagePull, ImagePullBackOff and their events run without a registry.
 */
export const HOLLOW_MISSING_IMAGE = /^hollow-missing(:|@|$)/;

/**
 * How a hollow container ends, read from its command and args (joined by spaces): `exit N` exits
 * with N, `sleep S` waits S seconds first (`sh -c "sleep 2; exit 1"`), a bare `true`/`false`
 * exits 0/1 at once. Without any of them the container runs until stopped. This is what lets
 * Jobs complete (or fail) on hollow nodes.
 */
export function hollowExit(spec: Pick<ContainerSpec, 'command' | 'args'>): HollowExit | undefined {
  const words = [...(spec.command ?? []), ...(spec.args ?? [])];
  const text = words.join(' ');
  const exit = /\bexit\s+(\d+)\b/.exec(text);
  const sleep = /\bsleep\s+(\d+(?:\.\d+)?)\b/.exec(text);
  const bin = (words[0] ?? '').split('/').pop();
  const code = exit ? Number(exit[1]) : bin === 'false' ? 1 : 0;
  if (!exit && !sleep && bin !== 'true' && bin !== 'false') return undefined;
  return { code, afterMs: sleep ? Number(sleep[1]) * 1000 : 0 };
}

/** The one log line of a hollow container (followed by its name). */
export const HOLLOW_LOG_LINE = 'hollow container started:';
/** How often a followed hollow log checks whether its container still runs. */
const HOLLOW_FOLLOW_POLL_MS = 500;

/** When and how a hollow container exits. */
export interface HollowExit {
  code: number;
  afterMs: number;
}

/**
 * A runtime that runs nothing (like kubemark's hollow node or kwok): containers "start" at once and
 * keep running until stopped, or until the exit their command asks for ({@link hollowExit}); images
 * named `hollow-missing:*` fail to pull ({@link HOLLOW_MISSING_IMAGE}). Used
 * for scale tests and benchmarks of the control plane.
 */
export class HollowRuntime implements ContainerRuntime {
  private readonly containers = new Map<string, RuntimeContainer & { spec: ContainerSpec }>();

  /** Every image is present but the missing ones. */
  hasImage(image: string): Promise<boolean> {
    return Promise.resolve(!HOLLOW_MISSING_IMAGE.test(image));
  }

  pullImage(image: string): Promise<void> {
    if (HOLLOW_MISSING_IMAGE.test(image)) {
      return Promise.reject(
        new ImagePullError(image, new Error(`repository hollow-missing not found`)),
      );
    }
    return Promise.resolve();
  }

  create(spec: ContainerSpec): Promise<string> {
    const id = randomUUID().replace(/-/g, '');
    this.containers.set(id, {
      id,
      labels: spec.labels,
      image: spec.image,
      imageId: `sha256:hollow-${spec.image}`,
      running: false,
      createdAt: Date.now() / 1000,
      spec,
    });
    return Promise.resolve(id);
  }

  start(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (c) {
      c.running = true;
      c.startedAt = new Date().toISOString();
    }
    return Promise.resolve();
  }

  stop(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (c?.running) {
      c.running = false;
      c.exitCode = 0;
      c.finishedAt = new Date().toISOString();
    }
    return Promise.resolve();
  }

  remove(id: string): Promise<void> {
    this.containers.delete(id);
    return Promise.resolve();
  }

  list(labels: Record<string, string>): Promise<RuntimeContainer[]> {
    // exits are applied when the kubelet looks (its periodic sync), so no timers outlive a stop
    const now = Date.now();
    for (const c of this.containers.values()) {
      const ex = c.running ? hollowExit(c.spec) : undefined;
      if (ex && c.startedAt && Date.parse(c.startedAt) + ex.afterMs <= now) {
        c.running = false;
        c.exitCode = ex.code;
        c.finishedAt = new Date(Date.parse(c.startedAt) + ex.afterMs).toISOString();
      }
    }
    return Promise.resolve(
      [...this.containers.values()].filter((c) =>
        Object.entries(labels).every(([k, v]) => c.labels[k] === v),
      ),
    );
  }

  /** Synthetic usage from the container's limits ({@link hollowContainerStats}). */
  stats(id: string): Promise<ContainerStats | undefined> {
    const c = this.containers.get(id);
    if (!c?.running) return Promise.resolve(undefined);
    const ran = (Date.now() - Date.parse(c.startedAt ?? '')) / 1000;
    return Promise.resolve(hollowContainerStats(c.spec, Number.isFinite(ran) ? ran : 0));
  }

  /** One fixed line per container (hollow containers write nothing). */
  logs(id: string, opts: LogOptions = {}): Promise<string> {
    return Promise.resolve(this.logLine(id, opts));
  }

  /** The fixed line, then nothing until the container stops or the signal aborts. */
  async *followLogs(id: string, opts: LogOptions, signal: AbortSignal): AsyncIterable<Buffer> {
    const first = this.logLine(id, opts);
    if (first !== '') yield Buffer.from(first);
    while (!signal.aborted) {
      const c = (await this.list({})).find((x) => x.id === id);
      if (!c?.running) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const t = setTimeout(done, HOLLOW_FOLLOW_POLL_MS);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  private logLine(id: string, opts: LogOptions): string {
    const c = this.containers.get(id);
    if (!c?.startedAt || opts.tailLines === 0) return '';
    if (
      opts.sinceSeconds !== undefined &&
      Date.parse(c.startedAt) < Date.now() - opts.sinceSeconds * 1000
    ) {
      return '';
    }
    const ts = opts.timestamps ? `${c.startedAt} ` : '';
    return `${ts}${HOLLOW_LOG_LINE} ${c.spec.name}\n`;
  }

  exec(): Promise<number> {
    return Promise.resolve(0);
  }

  /**
   * A fixed reply: the command line, then stdin echoed (see {@link hollowExecStream}); the exit
   * code is what {@link hollowExit} reads from the command (`sh -c "exit 3"` → 3), 0 otherwise.
   */
  execStream(_id: string, opts: StreamOptions): Promise<StreamSession> {
    const code = hollowExit({ command: opts.command ?? [] })?.code ?? 0;
    return Promise.resolve(hollowExecStream(opts, code));
  }
}

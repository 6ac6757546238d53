import type { ContainerStats } from './container-stats.js';

/** Labels the kubelet puts on every container, so state is recovered from the runtime after a restart. */
export const LABEL_POD_UID = 'io.flotilla.pod.uid';
export const LABEL_POD_NAME = 'io.flotilla.pod.name';
export const LABEL_POD_NAMESPACE = 'io.flotilla.pod.namespace';
export const LABEL_CONTAINER = 'io.flotilla.container.name';
export const LABEL_NODE = 'io.flotilla.node';
/**
 * The cluster's id (the uid of its kube-system namespace): node names repeat across clusters
 * (every local federation has a `member1-node-1`), and several clusters may share one dockerd.
 */
export const LABEL_CLUSTER = 'io.flotilla.cluster.id';
export const LABEL_RESTARTS = 'io.flotilla.container.restart-count';
/** The pod's address (its ports are published there): recovered from here after a restart. */
export const LABEL_POD_IP = 'io.flotilla.pod.ip';

/** A container as the runtime reports it. */
export interface RuntimeContainer {
  id: string;
  labels: Record<string, string>;
  image: string;
  imageId: string;
  running: boolean;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  createdAt: number;
}

/** One published port of a container. */
export interface PortBinding {
  containerPort: number;
  /** `TCP`, `UDP` or `SCTP`. */
  protocol: string;
  hostIp: string;
  hostPort: number;
}

/** What the kubelet asks the runtime to start. */
export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  /**
   * Where the container's ports are published: one binding each, `hostIp:hostPort` → the
   * container's `containerPort` (the pod address with the same port number, and the node address
   * for a `hostPort`). A container port may have several.
   */
  ports: PortBinding[];
  nanoCpus?: number;
  memoryBytes?: number;
  workingDir?: string;
  /** Keep stdin open for attach (`stdin: true` in the pod spec; `kubectl debug -i`). */
  stdin?: boolean;
  /** Close stdin once the first attach ends. */
  stdinOnce?: boolean;
  tty?: boolean;
  /**
   * Join this container's network namespace instead of a network of its own (an ephemeral
   * container sees the pod's localhost). No ports are published then.
   */
  networkOf?: string;
  /** Join this container's PID namespace (an ephemeral container's `targetContainerName`). */
  pidOf?: string;
}

/** What part of a container's log to read. */
export interface LogOptions {
  /** Only the last N lines. */
  tailLines?: number;
  /** Prefix each line with its RFC 3339 time. */
  timestamps?: boolean;
  /** Only lines of the last N seconds. */
  sinceSeconds?: number;
}

/** The container runtime the kubelet drives (Docker, or hollow for scale tests). */
export interface ContainerRuntime {
  /** Whether the image is present on the node (no pull needed unless the policy is Always). */
  hasImage(image: string): Promise<boolean>;
  /** Pulls the image; an ImagePullError when it cannot. */
  pullImage(image: string): Promise<void>;
  create(spec: ContainerSpec): Promise<string>;
  start(id: string): Promise<void>;
  stop(id: string, graceSeconds: number): Promise<void>;
  remove(id: string): Promise<void>;
  /**
   * Containers carrying `labels` (all must match). With `brief`, only what one list call gives
   * (id, labels, image, running, createdAt: no exit code or start and finish times), as the
   * kubelet's relist needs; a runtime may give more.
   */
  list(labels: Record<string, string>, brief?: boolean): Promise<RuntimeContainer[]>;
  logs(id: string, opts: LogOptions): Promise<string>;
  /**
   * Streams the container's logs (from `opts`, then new output) until the container stops or the
   * signal aborts. Runtimes without it only serve `logs` (follow ends at once).
   */
  followLogs?(id: string, opts: LogOptions, signal: AbortSignal): AsyncIterable<Buffer>;
  /**
   * CPU and memory usage of a running container (the kubelet's `/stats/summary`); undefined when
   * it does not run. Runtimes without it report no usage.
   */
  stats?(id: string): Promise<ContainerStats | undefined>;
  /** Runs a command inside the container; resolves to its exit code. */
  exec(id: string, command: string[]): Promise<number>;
  /**
   * Runs a command inside the container with its streams attached (`kubectl exec`). Runtimes
   * without it refuse exec through the kubelet API.
   */
  execStream?(id: string, opts: StreamOptions): Promise<StreamSession>;
  /** Attaches to the container's main process (`kubectl attach`). */
  attach?(id: string, opts: StreamOptions): Promise<StreamSession>;
}

/** Which streams an exec or attach session carries. */
export interface StreamOptions {
  /** The command (exec only). */
  command?: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** A terminal: stderr is merged into stdout, and the size can change. */
  tty: boolean;
}

/** A running exec or attach session. */
export interface StreamSession {
  /** The process's stdin (when asked for); `end()` closes it. */
  stdin?: NodeJS.WritableStream;
  /** Its stdout (with a tty, all output); ends when the process does. */
  stdout?: NodeJS.ReadableStream;
  stderr?: NodeJS.ReadableStream;
  /** Sets the terminal size (tty sessions). */
  resize(width: number, height: number): Promise<void>;
  /**
   * Settles once the output ended: the exit code of an exec, undefined when the runtime does not
   * know it (attach).
   */
  done: Promise<number | undefined>;
  /** Ends the session early (the client went away). */
  close(): void;
}

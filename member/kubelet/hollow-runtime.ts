import { randomUUID } from 'node:crypto';
import type { ContainerRuntime, ContainerSpec, RuntimeContainer } from './container-runtime.js';

/**
 * A runtime that runs nothing (like kubemark's hollow node or kwok): containers "start" at once and
 * keep running until stopped. Used for scale tests and benchmarks of the control plane.
 */
export class HollowRuntime implements ContainerRuntime {
  private readonly containers = new Map<string, RuntimeContainer & { spec: ContainerSpec }>();

  ensureImage(): Promise<void> {
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
    return Promise.resolve(
      [...this.containers.values()].filter((c) =>
        Object.entries(labels).every(([k, v]) => c.labels[k] === v),
      ),
    );
  }

  logs(): Promise<string> {
    return Promise.resolve('');
  }

  exec(): Promise<number> {
    return Promise.resolve(0);
  }
}

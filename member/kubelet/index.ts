/** Kubelet: Docker and hollow runtimes, pod sync, probes, logs. */
export { Kubelet, type KubeletOptions } from './kubelet.js';
export { DockerRuntime, type DockerRuntimeOptions } from './docker-runtime.js';
export { HollowRuntime } from './hollow-runtime.js';
export { podLogHandler } from './log-handler.js';
export * from './container-runtime.js';

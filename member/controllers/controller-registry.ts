import { ControllerManager } from '../../federation/machinery/controller/index.js';
import type { ControllerContext } from './controller-context.js';
import { CronJobController } from './cronjob/cronjob-controller.js';
import { DaemonSetController } from './daemonset/daemonset-controller.js';
import { DeploymentController } from './deployment/deployment-controller.js';
import { EndpointsController } from './endpoints/endpoints-controller.js';
import { GarbageCollector } from './garbagecollector/garbage-collector.js';
import { JobController } from './job/job-controller.js';
import { NamespaceController } from './namespace/namespace-controller.js';
import {
  NodeLifecycleController,
  type NodeLifecycleOptions,
} from './nodelifecycle/node-lifecycle-controller.js';
import { ReplicaSetController } from './replicaset/replicaset-controller.js';
import { StatefulSetController } from './statefulset/statefulset-controller.js';

/** Options for {@link memberControllerManager}. */
export interface MemberControllersOptions {
  nodeLifecycle?: NodeLifecycleOptions;
  /** Zone of CronJob schedules without `spec.timeZone` (default UTC). */
  cronJobTimeZone?: string;
}

/** Names accepted by `--controllers` (e.g. `*,-garbagecollector`). */
export const MEMBER_CONTROLLERS = [
  'replicaset',
  'deployment',
  'endpoints',
  'nodelifecycle',
  'garbagecollector',
  'namespace',
  'job',
  'cronjob',
  'statefulset',
  'daemonset',
] as const;

/**
 * The member controller manager: one entry per controller, name → start (STYLE §3). A controller
 * is only constructed (and its informers created) when it is enabled and started.
 */
export function memberControllerManager(
  ctx: ControllerContext,
  opts: MemberControllersOptions = {},
): ControllerManager {
  const m = new ControllerManager();
  m.register('replicaset', (s) => new ReplicaSetController(ctx).controller.run(s));
  m.register('deployment', (s) => new DeploymentController(ctx).controller.run(s));
  m.register('endpoints', (s) => new EndpointsController(ctx).controller.run(s));
  m.register('nodelifecycle', (s) =>
    new NodeLifecycleController(ctx, opts.nodeLifecycle ?? {}).controller.run(s),
  );
  m.register('garbagecollector', (s) => new GarbageCollector(ctx).controller.run(s));
  m.register('namespace', (s) => new NamespaceController(ctx).controller.run(s));
  m.register('job', (s) => new JobController(ctx).controller.run(s));
  m.register('cronjob', (s) =>
    new CronJobController(
      ctx,
      opts.cronJobTimeZone === undefined ? {} : { defaultTimeZone: opts.cronJobTimeZone },
    ).controller.run(s),
  );
  m.register('statefulset', (s) => new StatefulSetController(ctx).controller.run(s));
  m.register('daemonset', (s) => new DaemonSetController(ctx).controller.run(s));
  return m;
}

import { ControllerManager } from '../../machinery/controller/index.js';
import type { WorkqueueMetricsProvider } from '../../machinery/workqueue/index.js';
import type { ControllerContext } from './controller-context.js';
import { CsrApprovingController } from './certificates/csr-approving-controller.js';
import { CsrSigningController } from './certificates/csr-signing-controller.js';
import { CronJobController } from './cronjob/cronjob-controller.js';
import { DaemonSetController } from './daemonset/daemonset-controller.js';
import { DeploymentController } from './deployment/deployment-controller.js';
import { DisruptionController } from './disruption/disruption-controller.js';
import { EndpointsController } from './endpoints/endpoints-controller.js';
import { EndpointSliceController } from './endpointslice/endpointslice-controller.js';
import { EndpointSliceMirroringController } from './endpointslicemirroring/endpointslicemirroring-controller.js';
import { GarbageCollector } from './garbagecollector/garbage-collector.js';
import { HpaController } from './hpa/hpa-controller.js';
import { JobController } from './job/job-controller.js';
import { NamespaceController } from './namespace/namespace-controller.js';
import {
  NodeLifecycleController,
  type NodeLifecycleOptions,
} from './nodelifecycle/node-lifecycle-controller.js';
import { NodeIpamController, type NodeIpamOptions } from './nodeipam/node-ipam-controller.js';
import { PodGcController, type PodGcOptions } from './podgc/pod-gc-controller.js';
import { ReplicaSetController } from './replicaset/replicaset-controller.js';
import { ResourceQuotaController } from './resourcequota/resource-quota-controller.js';
import { StatefulSetController } from './statefulset/statefulset-controller.js';

/** Options for {@link memberControllerManager}. */
export interface MemberControllersOptions {
  nodeLifecycle?: NodeLifecycleOptions;
  /**
   * Pod CIDRs for Nodes (`--cluster-cidr`, `--allocate-node-cidrs`). @defaultValue none: the
   * nodeipam controller does not run
   */
  nodeIpam?: NodeIpamOptions;
  /** The pod garbage collector (pods of gone nodes). */
  podGc?: PodGcOptions;
  /** Zone of CronJob schedules without `spec.timeZone` (default UTC). */
  cronJobTimeZone?: string;
  /** Endpoints per EndpointSlice (`--max-endpoints-per-slice`). @defaultValue 100 */
  maxEndpointsPerSlice?: number;
  /** `--horizontal-pod-autoscaler-sync-period` in ms. @defaultValue 15000 */
  hpaSyncPeriodMs?: number;
  /** Where the controllers' queues report (the member API server's /metrics). @defaultValue none */
  metrics?: WorkqueueMetricsProvider;
}

/** Names accepted by `--controllers` (e.g. `*,-garbagecollector`). */
export const MEMBER_CONTROLLERS = [
  'replicaset',
  'deployment',
  'endpoints',
  'endpointslice',
  'endpointslicemirroring',
  'nodelifecycle',
  'nodeipam',
  'podgc',
  'garbagecollector',
  'namespace',
  'job',
  'cronjob',
  'statefulset',
  'daemonset',
  'csrapproving',
  'csrsigning',
  'disruption',
  'resourcequota',
  'horizontalpodautoscaling',
] as const;

/**
 * The member controller manager: one entry per controller, name → start (STYLE §3). A controller
 * is only constructed (and its informers created) when it is enabled and started.
 */
export function memberControllerManager(
  ctx: ControllerContext,
  opts: MemberControllersOptions = {},
): ControllerManager {
  const m = new ControllerManager(opts.metrics ? { metrics: opts.metrics } : {});
  m.register('replicaset', (s, q) => new ReplicaSetController(ctx).controller.run(s, q));
  m.register('deployment', (s, q) => new DeploymentController(ctx).controller.run(s, q));
  m.register('endpoints', (s, q) => new EndpointsController(ctx).controller.run(s, q));
  m.register('endpointslice', (s, q) =>
    new EndpointSliceController(
      ctx,
      opts.maxEndpointsPerSlice === undefined
        ? {}
        : { maxEndpointsPerSlice: opts.maxEndpointsPerSlice },
    ).controller.run(s, q),
  );
  m.register('endpointslicemirroring', (s, q) =>
    new EndpointSliceMirroringController(ctx).controller.run(s, q),
  );
  m.register('nodelifecycle', (s, q) =>
    new NodeLifecycleController(ctx, opts.nodeLifecycle ?? {}).controller.run(s, q),
  );
  m.register('nodeipam', async (s, q) => {
    const ipam = opts.nodeIpam;
    if (!ipam) return false; // no --cluster-cidr, or --allocate-node-cidrs=false
    await new NodeIpamController(ctx, ipam).controller.run(s, q);
    return true;
  });
  m.register('podgc', (s, q) => new PodGcController(ctx, opts.podGc ?? {}).controller.run(s, q));
  m.register('garbagecollector', (s, q) => new GarbageCollector(ctx).controller.run(s, q));
  m.register('namespace', (s, q) => new NamespaceController(ctx).controller.run(s, q));
  m.register('job', (s, q) => new JobController(ctx).controller.run(s, q));
  m.register('cronjob', (s, q) =>
    new CronJobController(
      ctx,
      opts.cronJobTimeZone === undefined ? {} : { defaultTimeZone: opts.cronJobTimeZone },
    ).controller.run(s, q),
  );
  m.register('statefulset', (s, q) => new StatefulSetController(ctx).controller.run(s, q));
  m.register('daemonset', (s, q) => new DaemonSetController(ctx).controller.run(s, q));
  m.register('csrapproving', (s, q) => new CsrApprovingController(ctx).controller.run(s, q));
  m.register('csrsigning', (s, q) => new CsrSigningController(ctx).controller.run(s, q));
  m.register('disruption', (s, q) => new DisruptionController(ctx).controller.run(s, q));
  m.register('resourcequota', (s, q) => new ResourceQuotaController(ctx).controller.run(s, q));
  m.register('horizontalpodautoscaling', (s, q) =>
    new HpaController(
      ctx,
      opts.hpaSyncPeriodMs === undefined ? {} : { syncPeriodMs: opts.hpaSyncPeriodMs },
    ).controller.run(s, q),
  );
  return m;
}

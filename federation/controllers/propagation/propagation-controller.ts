/**
 * The federation's propagation pipeline, composed: the resource detector (template ×
 * PropagationPolicy → ResourceBinding), the scheduler (ResourceBinding → its clusters) and the
 * binding controller (ResourceBinding → member copies, status, events), each its own controller
 * with its own queue, plus one execution queue per Push member. This module only builds them on
 * shared pieces and runs them; it decides nothing itself.
 */
import type { Registry } from 'prom-client';
import {
  RESOURCE_INTERPRETER_CUSTOMIZATIONS,
  WORKS,
  type ResourceInterpreterCustomization,
  type Work,
} from '../../apis/index.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import type { Logger } from '../../../machinery/controller/index.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import type { WorkqueueMetricsProvider } from '../../../machinery/workqueue/index.js';
import { EventRecorder, type CustomResourceDefinition } from '../../../api/index.js';
import { ResourceInterpreter } from '../../interpreter/replica-interpreter.js';
import type { ClusterClients } from '../cluster-clients.js';
import { FINALIZER_CLEANUP } from '../finalizers.js';
import { BindingController } from './binding-controller.js';
import { CRD_TEMPLATE_TYPE, CustomResourceKinds, isCrdType } from './custom-resource-kinds.js';
import { ResourceDetector } from './detector-controller.js';
import { MemberApplier, type ImageGate } from './member-apply.js';
import { diagnoseInMembers } from './member-diagnosis.js';
import { MemberExecution } from './member-execution.js';
import type { PipelineContext } from './pipeline-context.js';
import { PropagationEvents } from './propagation-events.js';
import { PropagationLatency } from './propagation-latency.js';
import { BindingScheduler } from './scheduler-controller.js';
import { TemplateCleanup } from './template-cleanup.js';
import type { TemplateType } from './template-type.js';
import { WorkloadDependents } from './workload-dependents.js';
import { WorkWriter } from './work-writer.js';

export type { TemplateType } from './template-type.js';

/** The component the templates' events are recorded by. */
export const ControllerName = 'propagation-controller';
export { FINALIZER_CLEANUP };
/** Annotation on a template: keep member objects when it is deleted. */
export { ANNOTATION_ORPHAN } from './template-cleanup.js';

/** Rewrites or refuses a workload's images for a target cluster (image promotion gate). */
export type { ImageGate };

/** Options for {@link PropagationController}. */
export interface PropagationOptions {
  client: KubeClient;
  informers: InformerFactory;
  clients: ClusterClients;
  /**
   * The kinds propagated. With CustomResourceDefinition among them ({@link CRD_TEMPLATE_TYPE})
   * every custom kind an Established CRD serves at the federation is propagated too, while the
   * CRD exists (see {@link CustomResourceKinds}).
   */
  types: TemplateType[];
  logger: Logger;
  /** Every template is re-checked this often (drift repair, status). @defaultValue 5000 */
  resyncMs?: number;
  imageGate?: ImageGate;
  /**
   * Workers of each stage (resource detector, scheduler, binding controller; a key is never handed
   * to two workers at once). Each reconcile mostly waits on federation round trips (Push members'
   * writes are queued per member, see {@link PropagationOptions.memberWorkers}), so many overlap:
   * on the propagation bench 32 workers moved ~1.4× the objects of 8.
   * @defaultValue 32
   */
  workers?: number;
  /**
   * Workers of each Push member's execution queue: a slow or failing member ties up only these,
   * never the template workers nor another member's. @defaultValue 8
   */
  memberWorkers?: number;
  /** Where `flotilla_propagation_latency_seconds` and the placement attempts go. @defaultValue none */
  metricsRegistry?: Registry | undefined;
  /** Records the templates' events. @defaultValue a recorder writing through `client` */
  events?: EventRecorder;
  /**
   * How long a copy kept by a graceful eviction waits for the new placement to be ready before it
   * is released anyway (Karmada's `--graceful-eviction-timeout`). @defaultValue 600
   */
  gracefulEvictionTimeoutSeconds?: number;
}

/**
 * The propagation pipeline (see the module comment): {@link ResourceDetector},
 * {@link BindingScheduler} and {@link BindingController} on shared informers, interpreter, events
 * and latency metric, and the Push members' execution queues.
 */
export class PropagationController {
  readonly detector: ResourceDetector;
  readonly scheduler: BindingScheduler;
  readonly binding: BindingController;
  private readonly opts: PropagationOptions;
  /** One queue per member carrying out the binding controller's writes and releases. */
  readonly execution: MemberExecution;
  /** Writes the templates' copies into the members (Push: through `execution`). */
  private readonly members: MemberApplier;
  /** The custom kinds propagated now (when CRDs are). */
  private readonly customKinds: CustomResourceKinds | undefined;

  constructor(opts: PropagationOptions) {
    this.opts = opts;
    const { client, logger, informers } = opts;
    const now = (): Date => new Date();
    const rics = informers.for<ResourceInterpreterCustomization>(
      RESOURCE_INTERPRETER_CUSTOMIZATIONS,
    );
    const ctx: PipelineContext = {
      client,
      informers,
      clients: opts.clients,
      logger,
      resyncMs: opts.resyncMs ?? 5000,
      types: () => this.types(),
      interpreter: new ResourceInterpreter({ customizations: () => rics.list() }),
      events: new PropagationEvents(
        opts.events ?? new EventRecorder({ client, component: ControllerName, logger, now }),
        diagnoseInMembers(informers, opts.clients),
      ),
      latency: new PropagationLatency(opts.metricsRegistry),
    };
    const works = new WorkWriter(client, informers.for<Work>(WORKS));
    const cleanup = new TemplateCleanup({
      client,
      informers,
      clients: opts.clients,
      works,
      logger,
    });
    this.execution = new MemberExecution({
      apply: (i) => this.members.write(i),
      release: (i) => cleanup.removeOne(i.cluster, i.t, i.tmpl, i.release),
      changed: (key) => this.binding.changed(key),
      workers: opts.memberWorkers ?? 8,
      logger,
    });
    this.members = new MemberApplier({
      clients: opts.clients,
      works,
      latency: ctx.latency,
      imageGate: opts.imageGate,
      execution: this.execution,
    });
    const workloadDeps = new WorkloadDependents({
      informers,
      types: () => this.types(),
      enqueue: (key) => this.detector.controller.enqueue(key),
    });
    this.detector = new ResourceDetector({
      ctx,
      cleanup,
      execution: this.execution,
      customKinds: () => this.customKinds,
      workloadDeps: () => workloadDeps,
      ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
    });
    this.scheduler = new BindingScheduler({
      ctx,
      gracefulEvictionTimeoutSeconds: opts.gracefulEvictionTimeoutSeconds,
      ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
    });
    this.binding = new BindingController({
      ctx,
      members: this.members,
      cleanup,
      execution: this.execution,
      ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
    });
    for (const t of opts.types) this.detector.watch(t, informers.for(t.gvr));
    workloadDeps.watch(opts.types);
    this.customKinds = opts.types.some(isCrdType)
      ? new CustomResourceKinds({
          crds: informers.for<CustomResourceDefinition>(CRD_TEMPLATE_TYPE.gvr),
          // started at once when the informers run (no restart); its objects come as adds
          added: (t) => {
            this.detector.watch(t, informers.for(t.gvr));
          },
          removed: (t) => {
            informers.remove(t.gvr);
            opts.clients.forgetResource(t.gvr);
          },
        })
      : undefined;
  }

  /**
   * Runs the three stages and the members' execution queues until `signal` aborts. `metrics`
   * gets their queues: `resource-detector`, `binding-scheduler`, `binding-controller` and each
   * member's `member-execution/<cluster>`.
   */
  async run(signal: AbortSignal, metrics?: WorkqueueMetricsProvider): Promise<void> {
    await Promise.all([
      this.detector.run(signal, metrics),
      this.scheduler.run(signal, metrics),
      this.binding.run(signal, metrics),
      this.execution.run(signal, metrics),
    ]);
  }

  /** The kinds propagated now: the configured ones and the custom kinds of Established CRDs. */
  types(): TemplateType[] {
    return [...this.opts.types, ...(this.customKinds?.list() ?? [])];
  }

  /** Re-checks every template (and so every binding). */
  enqueueAll(): void {
    this.detector.enqueueAll();
  }
}

/**
 * The member's horizontal pod autoscaler controller (kube-controller-manager's `horizontal.go`):
 * for each HorizontalPodAutoscaler, every sync period, reads the target's `scale` subresource
 * (Deployment, ReplicaSet, StatefulSet) and its pods' usage from the metrics API, computes the
 * desired replicas (see replica-calculator.ts), writes the scale when it changed and the
 * autoscaler's status (replicas, current metrics, AbleToScale/ScalingActive/ScalingLimited,
 * lastScaleTime).
 */
import { isDeepStrictEqual } from 'node:util';
import { Controller } from '../../../machinery/controller/index.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import { splitKey, type Condition, type GroupVersionResource } from '../../../machinery/meta.js';
import { parseLabelSelector } from '../../../machinery/selectors/index.js';
import {
  DEPLOYMENTS,
  HORIZONTALPODAUTOSCALERS,
  HPA_ABLE_TO_SCALE,
  HPA_SCALING_ACTIVE,
  HPA_SCALING_LIMITED,
  PODS,
  REPLICASETS,
  STATEFULSETS,
  type HorizontalPodAutoscaler,
  type Pod,
} from '../../../api/index.js';
import type { ControllerContext } from '../controller-context.js';
import { evaluateMetrics } from './metric-evaluation.js';
import {
  clampReplicas,
  DEFAULT_SCALE_DOWN_WINDOW_SECONDS,
  DEFAULT_SCALE_UP_WINDOW_SECONDS,
  pruneHistory,
  stabilize,
  type Recommendation,
} from './replica-calculator.js';

export const ControllerName = 'horizontal-pod-autoscaler-controller';

/** Options of {@link HpaController}. */
export interface HpaControllerOptions {
  /** `--horizontal-pod-autoscaler-sync-period`. @defaultValue 15000 */
  syncPeriodMs?: number;
}

/** A `Scale` (autoscaling/v1) as the scale subresource serves it. */
interface Scale {
  metadata: { resourceVersion?: string };
  spec: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

/** The scalable apps/v1 kinds by name. */
const SCALABLE: Readonly<Record<string, GroupVersionResource>> = {
  Deployment: DEPLOYMENTS,
  ReplicaSet: REPLICASETS,
  StatefulSet: STATEFULSETS,
};

type HpaStatus = NonNullable<HorizontalPodAutoscaler['status']>;

/** Reconciles HorizontalPodAutoscalers (informer → workqueue → idempotent reconcile). */
export class HpaController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;
  private readonly syncPeriodMs: number;
  /** Past recommendations per autoscaler key, for the stabilization windows (in memory, as Kubernetes). */
  private readonly recommendations = new Map<string, Recommendation[]>();

  constructor(ctx: ControllerContext, opts: HpaControllerOptions = {}) {
    this.ctx = ctx;
    this.syncPeriodMs = opts.syncPeriodMs ?? 15_000;
    const hpaInf = ctx.informers.for<HorizontalPodAutoscaler>(HORIZONTALPODAUTOSCALERS);
    const podInf = ctx.informers.for<Pod>(PODS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [hpaInf, podInf],
      reconcile: async (k) => {
        await this.reconcile(k);
        return this.ctx.informers.for(HORIZONTALPODAUTOSCALERS).get(k)
          ? { requeueAfterMs: this.syncPeriodMs }
          : undefined;
      },
      logger: ctx.logger,
    });
    hpaInf.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (o, n) => {
        // status writes come back as updates: only a spec change is worth an early sync
        if (o.metadata.generation !== n.metadata.generation) this.controller.enqueueObject(n);
      },
      onDelete: (h) =>
        this.recommendations.delete(`${h.metadata.namespace ?? ''}/${h.metadata.name ?? ''}`),
    });
  }

  /** One sync of one autoscaler (idempotent: it recomputes everything from the target and pods). */
  async reconcile(key: string): Promise<void> {
    const { namespace } = splitKey(key);
    const hpa = this.ctx.informers.for<HorizontalPodAutoscaler>(HORIZONTALPODAUTOSCALERS).get(key);
    if (!hpa) {
      this.recommendations.delete(key);
      return;
    }
    const conditions = new Map<string, Condition>();
    const set = (type: string, status: 'True' | 'False', reason: string, message: string): void => {
      conditions.set(type, this.condition(hpa, type, status, reason, message));
    };
    const ref = hpa.spec.scaleTargetRef;
    const gvr = SCALABLE[ref.kind];
    const scaleClient = gvr ? this.ctx.client.resource(gvr, namespace) : undefined;
    const scale = await scaleClient
      ?.subresource<Scale>(ref.name, 'scale', 'GET')
      .catch((err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      });
    if (!scaleClient || !scale) {
      set(
        HPA_ABLE_TO_SCALE,
        'False',
        'FailedGetScale',
        `the HPA controller was unable to get the target's current scale: ${ref.kind} ${ref.name} not found or not scalable`,
      );
      await this.writeStatus(hpa, { ...hpa.status, conditions: [...conditions.values()] });
      return;
    }
    set(
      HPA_ABLE_TO_SCALE,
      'True',
      'SucceededGetScale',
      "the HPA controller was able to get the target's current scale",
    );
    const current = scale.spec.replicas ?? 0;
    const min = hpa.spec.minReplicas ?? 1;
    const max = hpa.spec.maxReplicas;
    let desired = current;
    let currentMetrics = hpa.status?.currentMetrics ?? null;
    if (current === 0 && min !== 0) {
      set(
        HPA_SCALING_ACTIVE,
        'False',
        'ScalingDisabled',
        'scaling is disabled since the replica count of the target is zero',
      );
    } else if (current > max || current < min) {
      // out of range: straight to the bound, no metrics needed
      desired = current > max ? max : min;
      set(
        HPA_SCALING_LIMITED,
        'True',
        current > max ? 'TooManyReplicas' : 'TooFewReplicas',
        `the desired replica count is ${current > max ? 'more' : 'less'} than the ${current > max ? 'maximum' : 'minimum'} replica count`,
      );
    } else {
      const pods = this.targetPods(namespace, scale.status?.selector);
      const evaluated = await evaluateMetrics(
        this.ctx.client,
        hpa,
        current,
        pods,
        scale.status?.selector ?? '',
      );
      currentMetrics = evaluated.currentMetrics;
      if (evaluated.replicas === undefined) {
        set(HPA_SCALING_ACTIVE, 'False', 'FailedGetResourceMetric', evaluated.message);
      } else {
        set(
          HPA_SCALING_ACTIVE,
          'True',
          'ValidMetricFound',
          'the HPA was able to successfully calculate a replica count from the metrics',
        );
        desired = this.normalize(key, hpa, current, evaluated.replicas, set);
      }
    }
    const status: HpaStatus = {
      ...hpa.status,
      observedGeneration: hpa.metadata.generation ?? 1,
      currentReplicas: scale.status?.replicas ?? current,
      desiredReplicas: desired,
      currentMetrics,
    };
    if (desired !== current && scaleClient) {
      await scaleClient.subresource(ref.name, 'scale', 'PUT', {
        ...scale,
        spec: { replicas: desired },
      });
      status.lastScaleTime = this.ctx.now().toISOString();
      set(
        HPA_ABLE_TO_SCALE,
        'True',
        'SucceededRescale',
        `the HPA controller was able to update the target scale to ${String(desired)}`,
      );
      await this.ctx.recorder?.event(
        hpa,
        'Normal',
        'SuccessfulRescale',
        `New size: ${String(desired)}`,
      );
    }
    if (!conditions.has(HPA_SCALING_LIMITED)) {
      set(
        HPA_SCALING_LIMITED,
        'False',
        'DesiredWithinRange',
        'the desired count is within the acceptable range',
      );
    }
    if (!conditions.has(HPA_SCALING_ACTIVE)) {
      set(
        HPA_SCALING_ACTIVE,
        'True',
        'ValidMetricFound',
        'the HPA was able to successfully calculate a replica count',
      );
    }
    status.conditions = [HPA_ABLE_TO_SCALE, HPA_SCALING_ACTIVE, HPA_SCALING_LIMITED].flatMap(
      (t) => conditions.get(t) ?? [],
    );
    await this.writeStatus(hpa, status);
  }

  /** Stabilization windows over past recommendations, then the min/max clamp. */
  private normalize(
    key: string,
    hpa: HorizontalPodAutoscaler,
    current: number,
    proposed: number,
    set: (type: string, status: 'True' | 'False', reason: string, message: string) => void,
  ): number {
    const b = hpa.spec.behavior;
    const windows = {
      upSeconds: b?.scaleUp?.stabilizationWindowSeconds ?? DEFAULT_SCALE_UP_WINDOW_SECONDS,
      downSeconds: b?.scaleDown?.stabilizationWindowSeconds ?? DEFAULT_SCALE_DOWN_WINDOW_SECONDS,
    };
    const now = this.ctx.now().getTime();
    const history = pruneHistory(this.recommendations.get(key) ?? [], now, windows);
    const stable = stabilize(current, proposed, history, now, windows);
    history.push({ replicas: proposed, at: now });
    this.recommendations.set(key, history);
    if (stable !== proposed) {
      set(
        HPA_ABLE_TO_SCALE,
        'True',
        'ScaleDownStabilized',
        'recent recommendations were higher than current one, applying the highest recent recommendation',
      );
    }
    const clamped = clampReplicas(stable, hpa.spec.minReplicas ?? 1, hpa.spec.maxReplicas);
    if (clamped.limited) {
      set(
        HPA_SCALING_LIMITED,
        'True',
        clamped.limited,
        `the desired replica count is ${clamped.limited === 'TooFewReplicas' ? 'less than the minimum' : 'more than the maximum'} replica count`,
      );
    }
    return clamped.replicas;
  }

  /** The pods the scale's selector picks (none without a selector). */
  private targetPods(namespace: string | undefined, selector: string | undefined): Pod[] {
    if (!selector) return [];
    const sel = parseLabelSelector(selector);
    return this.ctx.informers
      .for<Pod>(PODS)
      .list(namespace)
      .filter((p) => sel.matches(p.metadata.labels));
  }

  /** A condition keeping its lastTransitionTime while its status does not change. */
  private condition(
    hpa: HorizontalPodAutoscaler,
    type: string,
    status: 'True' | 'False',
    reason: string,
    message: string,
  ): Condition {
    const old = hpa.status?.conditions?.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message,
      lastTransitionTime:
        old?.status === status && old.lastTransitionTime
          ? old.lastTransitionTime
          : this.ctx.now().toISOString(),
    };
  }

  /** Writes the status through `/status` when it changed (a gone autoscaler is done with). */
  private async writeStatus(hpa: HorizontalPodAutoscaler, status: HpaStatus): Promise<void> {
    if (isDeepStrictEqual(hpa.status, status)) return;
    const copy = structuredClone(hpa);
    copy.status = status;
    await this.ctx.client
      .resource<HorizontalPodAutoscaler>(HORIZONTALPODAUTOSCALERS, hpa.metadata.namespace)
      .updateStatus(copy)
      .catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
  }
}

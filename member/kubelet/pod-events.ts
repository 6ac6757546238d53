import type { Container, Pod } from '../../api/index.js';
import type { EventRecorder } from '../controllers/event-recorder.js';

/** `involvedObject.fieldPath` of a pod's container, as the Kubernetes kubelet writes it. */
export const containerFieldPath = (c: Pick<Container, 'name'>): string =>
  `spec.containers{${c.name}}`;

/**
 * The kubelet's Events about pods, with Kubernetes' reasons and messages (Pulling, Pulled,
 * Failed, BackOff, Created, Started, Killing, Unhealthy, NetworkNotReady), most on the
 * container's fieldPath.
 * BackOff is recorded once per back-off period, not on every sync of it: the periodic resync
 * runs every second and would otherwise patch the event that often.
 */
export class PodEvents {
  private readonly recorder: EventRecorder;
  /** `<podUID>/<container>/<kind>` → end of the back-off period already reported. */
  private readonly backOffReported = new Map<string, number>();

  constructor(recorder: EventRecorder) {
    this.recorder = recorder;
  }

  private record(
    pod: Pod,
    c: Pick<Container, 'name'>,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    // list items may come without apiVersion/kind; describe finds events by kind
    const obj = { ...pod, apiVersion: 'v1', kind: 'Pod' };
    return this.recorder.event(obj, type, reason, message, { fieldPath: containerFieldPath(c) });
  }

  /** An image already on the node (policy IfNotPresent or Never): nothing pulled. */
  present(pod: Pod, c: Container): Promise<void> {
    return this.record(
      pod,
      c,
      'Normal',
      'Pulled',
      `Container image "${c.image}" already present on machine`,
    );
  }

  /** Resolves once every event recorded so far is written (or given up). */
  written(): Promise<void> {
    return this.recorder.written();
  }

  /** Before a pull. */
  pulling(pod: Pod, c: Container): Promise<void> {
    return this.record(pod, c, 'Normal', 'Pulling', `Pulling image "${c.image}"`);
  }

  /** After a successful pull that took `ms`. */
  pulled(pod: Pod, c: Container, ms: number): Promise<void> {
    const s = `${(ms / 1000).toFixed(3)}s`;
    return this.record(
      pod,
      c,
      'Normal',
      'Pulled',
      `Successfully pulled image "${c.image}" in ${s}`,
    );
  }

  /** A failed pull (the container shows ErrImagePull). */
  async pullFailed(pod: Pod, c: Container, error: string): Promise<void> {
    await this.record(pod, c, 'Warning', 'Failed', error);
    await this.record(pod, c, 'Warning', 'Failed', 'Error: ErrImagePull');
  }

  /** A container waiting in ImagePullBackOff until `untilMs`. */
  async pullBackOff(pod: Pod, c: Container, untilMs: number): Promise<void> {
    if (!this.firstOfPeriod(pod, c, 'pull', untilMs)) return;
    await this.record(pod, c, 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`);
    await this.record(pod, c, 'Warning', 'Failed', 'Error: ImagePullBackOff');
  }

  /** A container waiting in CrashLoopBackOff until `untilMs`. */
  async crashLoopBackOff(pod: Pod, c: Container, untilMs: number): Promise<void> {
    if (!this.firstOfPeriod(pod, c, 'crash', untilMs)) return;
    const m = pod.metadata;
    const msg = `Back-off restarting failed container ${c.name} in pod ${m.name ?? ''}_${m.namespace ?? ''}(${m.uid ?? ''})`;
    await this.record(pod, c, 'Warning', 'BackOff', msg);
  }

  /** A container that cannot be created (e.g. CreateContainerConfigError). */
  failed(pod: Pod, c: Container, message: string): Promise<void> {
    return this.record(pod, c, 'Warning', 'Failed', `Error: ${message}`);
  }

  /** A container created and started. */
  async started(pod: Pod, c: Container): Promise<void> {
    await this.record(pod, c, 'Normal', 'Created', `Created container ${c.name}`);
    await this.record(pod, c, 'Normal', 'Started', `Started container ${c.name}`);
  }

  /** A container being stopped; `why` after a failed liveness probe. */
  killing(pod: Pod, c: Pick<Container, 'name'>, why?: 'liveness'): Promise<void> {
    const msg =
      why === 'liveness'
        ? `Container ${c.name} failed liveness probe, will be restarted`
        : `Stopping container ${c.name}`;
    return this.record(pod, c, 'Normal', 'Killing', msg);
  }

  /** A failed readiness or liveness probe. */
  unhealthy(pod: Pod, c: Container, kind: 'Readiness' | 'Liveness', msg: string): Promise<void> {
    return this.record(pod, c, 'Warning', 'Unhealthy', `${kind} probe failed: ${msg}`);
  }

  /**
   * The pod cannot get an address: its node has no podCIDR yet (Kubernetes' NetworkNotReady).
   * Recorded once per pod, not on every sync while it waits.
   */
  async networkNotReady(pod: Pod, nodeName: string): Promise<void> {
    const key = `${pod.metadata.uid ?? ''}/-/network`;
    if (this.backOffReported.has(key)) return;
    this.backOffReported.set(key, 0);
    const obj = { ...pod, apiVersion: 'v1', kind: 'Pod' };
    await this.recorder.event(
      obj,
      'Warning',
      'NetworkNotReady',
      `network is not ready: node ${nodeName} has no podCIDR yet (is the node IPAM controller running with --cluster-cidr?)`,
    );
  }

  /** Forgets the back-off reports of pods not kept (deleted pods). */
  retain(keepPodUid: (uid: string) => boolean): void {
    for (const k of this.backOffReported.keys()) {
      if (!keepPodUid(k.slice(0, k.indexOf('/')))) this.backOffReported.delete(k);
    }
  }

  private firstOfPeriod(pod: Pod, c: Container, kind: string, untilMs: number): boolean {
    const key = `${pod.metadata.uid ?? ''}/${c.name}/${kind}`;
    if (this.backOffReported.get(key) === untilMs) return false;
    this.backOffReported.set(key, untilMs);
    return true;
  }
}

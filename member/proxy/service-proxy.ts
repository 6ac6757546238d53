import type { KubeClient } from '../../machinery/client/kube-client.js';
import { SharedInformer } from '../../machinery/informer/index.js';
import type { GroupVersionResource, KubeObject } from '../../machinery/meta.js';
import type { Logger } from '../../machinery/log/logger.js';
import { LABEL_SERVICE_NAME, NODES, SERVICES, type Node } from '../../api/index.js';
import type { Frontend, FrontendOptions, FrontendState } from './frontend.js';
import { ProxyMetrics } from './proxy-metrics.js';
import {
  ENDPOINT_SLICES,
  LABEL_MCS_SERVICE_NAME,
  SERVICE_IMPORTS,
  type EndpointSlice,
  type ProxyService,
  type ServiceImport,
} from './proxy-types.js';
import { buildServiceTable, type Backend, type FrontendSpec } from './service-table.js';
import { TcpFrontend } from './tcp-frontend.js';
import { UdpFrontend } from './udp-frontend.js';

/** Options for {@link ServiceProxy}. */
export interface ServiceProxyOptions extends Partial<Omit<FrontendOptions, 'logger' | 'metrics'>> {
  /** The proxy's identity on the member API (`system:kube-proxy`). */
  client: KubeClient;
  logger: Logger;
  /** @defaultValue unregistered metrics */
  metrics?: ProxyMetrics;
}

/** A frontend as seen from outside (tests, status). */
export interface FrontendStatus {
  key: string;
  kind: FrontendSpec['kind'];
  state: FrontendState;
  servicePort: string;
  backends: Backend[];
}

/** First reconnect delay of the informers (404 of a kind not served yet backs off from here). */
const INFORMER_BACKOFF_MS = 500;

/**
 * The member's service proxy (kube-proxy's role, in user space): informers on Services, Nodes,
 * ServiceImports and two kinds of EndpointSlices — a Service's (labelled
 * `kubernetes.io/service-name`, written by the EndpointSlice controller, or mirrored from manual
 * Endpoints) and an import's (labelled `multicluster.kubernetes.io/service-name`, written by the
 * federation), both read the same way; on every event one level-triggered sync
 * computes the wanted frontends ({@link buildServiceTable}) and makes the listeners match —
 * new frontends start binding, existing ones get their new backends at once (no re-listen), gone
 * ones close. Only addresses in 127.0.0.0/8 are ever listened on.
 */
export class ServiceProxy {
  private readonly opts: ServiceProxyOptions;
  private readonly fopts: FrontendOptions;
  private readonly metrics: ProxyMetrics;
  private readonly services: SharedInformer<ProxyService>;
  private readonly slices: SharedInformer<EndpointSlice>;
  private readonly nodes: SharedInformer<Node>;
  private readonly imports: SharedInformer<ServiceImport>;
  private readonly importSlices: SharedInformer<EndpointSlice>;
  private readonly frontends = new Map<string, Frontend>();
  /** Non-loopback frontends already logged. */
  private readonly refused = new Set<string>();
  private scheduled = false;
  private ready = false;
  private stopped = false;
  private readonly syncListeners = new Set<() => void>();

  constructor(opts: ServiceProxyOptions) {
    this.opts = opts;
    this.metrics = opts.metrics ?? new ProxyMetrics();
    this.fopts = {
      logger: opts.logger,
      metrics: this.metrics,
      retryMs: opts.retryMs ?? 500,
      connectAttempts: opts.connectAttempts ?? 3,
      connectTimeoutMs: opts.connectTimeoutMs ?? 3000,
      udpIdleTimeoutMs: opts.udpIdleTimeoutMs ?? 30_000,
    };
    const inf = <T extends KubeObject>(gvr: GroupVersionResource, labelSelector?: string) =>
      new SharedInformer<T>({
        client: opts.client.resource<T>(gvr),
        backoffMs: INFORMER_BACKOFF_MS,
        ...(labelSelector !== undefined ? { labelSelector } : {}),
        // a kind the member does not serve (yet) answers 404: the informer retries with back-off
        onError: (err) => {
          opts.logger.debug(`informer ${gvr.resource}: ${String(err)}`);
        },
      });
    this.services = inf<ProxyService>(SERVICES);
    this.slices = inf<EndpointSlice>(ENDPOINT_SLICES, LABEL_SERVICE_NAME);
    this.nodes = inf<Node>(NODES);
    this.imports = inf<ServiceImport>(SERVICE_IMPORTS);
    this.importSlices = inf<EndpointSlice>(ENDPOINT_SLICES, LABEL_MCS_SERVICE_NAME);
    const on = <T extends KubeObject>(i: SharedInformer<T>, count?: () => void): void => {
      const h = (): void => {
        count?.();
        this.schedule();
      };
      i.addEventHandler({ onAdd: h, onUpdate: h, onDelete: h });
    };
    on(this.services, () => this.metrics.serviceChanges.inc());
    on(this.imports, () => this.metrics.serviceChanges.inc());
    on(this.slices, () => this.metrics.endpointChanges.inc());
    on(this.importSlices, () => this.metrics.endpointChanges.inc());
    on(this.nodes);
  }

  /**
   * Runs until `signal` aborts: starts the informers, serves once Services, their EndpointSlices
   * and Nodes have synced (the multi-cluster kinds join when their informers sync), and closes
   * every listener at the end.
   */
  async run(signal: AbortSignal): Promise<void> {
    const all = [this.services, this.slices, this.nodes, this.imports, this.importSlices];
    const running = all.map((i) => i.run(signal));
    await Promise.all([this.services, this.slices, this.nodes].map((i) => i.waitForSync(signal)));
    if (!signal.aborted) {
      this.ready = true;
      this.sync();
      this.opts.logger.info(`service proxy: serving ${String(this.frontends.size)} frontends`, {
        frontends: this.frontends.size,
      });
    }
    await Promise.all(running);
    this.stopped = true;
    await Promise.all([...this.frontends.values()].map((f) => f.close()));
    this.frontends.clear();
  }

  /** Every frontend and its listener state. */
  status(): FrontendStatus[] {
    return [...this.frontends.values()].map((f) => ({
      key: f.spec.key,
      kind: f.spec.kind,
      state: f.state,
      servicePort: f.spec.servicePort,
      backends: f.spec.backends,
    }));
  }

  /** Calls `fn` after every sync; returns the unsubscribe function. */
  onSync(fn: () => void): () => void {
    this.syncListeners.add(fn);
    return () => this.syncListeners.delete(fn);
  }

  /** Coalesces the events of one tick into one sync. */
  private schedule(): void {
    if (!this.ready || this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.stopped) this.sync();
    });
  }

  /** Makes the listeners match the caches. */
  private sync(): void {
    const started = performance.now();
    const { frontends, skipped } = buildServiceTable({
      services: this.services.list(),
      serviceSlices: (ns, name) => labelled(this.slices, ns, LABEL_SERVICE_NAME, name),
      nodes: this.nodes.list(),
      serviceImports: this.imports.list(),
      importSlices: (ns, name) => labelled(this.importSlices, ns, LABEL_MCS_SERVICE_NAME, name),
    });
    const wanted = new Set<string>();
    for (const spec of frontends) {
      wanted.add(spec.key);
      const cur = this.frontends.get(spec.key);
      if (cur && cur.spec.kind === spec.kind) {
        cur.update(spec);
        continue;
      }
      if (cur) void cur.close();
      const f =
        spec.protocol === 'TCP'
          ? new TcpFrontend(spec, this.fopts)
          : new UdpFrontend(spec, this.fopts);
      this.frontends.set(spec.key, f);
      f.start();
    }
    for (const [key, f] of this.frontends) {
      if (wanted.has(key)) continue;
      this.frontends.delete(key);
      void f.close();
    }
    for (const s of skipped) {
      const id = `${s.servicePort}@${s.ip}`;
      if (this.refused.has(id)) continue;
      this.refused.add(id);
      this.opts.logger.info(`not serving ${s.servicePort}: ${s.ip} is outside 127.0.0.0/8`, {
        servicePort: s.servicePort,
        ip: s.ip,
      });
    }
    this.metrics.syncDuration.observe((performance.now() - started) / 1000);
    this.metrics.syncLastTimestamp.set(Date.now() / 1000);
    for (const fn of this.syncListeners) fn();
  }
}

/** The slices of `namespace` whose `label` names `name` (a Service's or an import's). */
function labelled(
  inf: SharedInformer<EndpointSlice>,
  namespace: string,
  label: string,
  name: string,
): EndpointSlice[] {
  return inf.list(namespace).filter((s) => s.metadata.labels?.[label] === name);
}

/**
 * What the propagation pipeline's stages (resource detector, scheduler, binding controller) share:
 * the federation client and informers, the kinds propagated now, the resource interpreter, the
 * templates' event recorder and the propagation latency metric. Each stage owns its own queue.
 */
import { RESOURCE_BINDINGS, type ResourceBinding } from '../../apis/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import type { Logger } from '../../../machinery/controller/index.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import type { ResourceInterpreter } from '../../interpreter/replica-interpreter.js';
import type { ClusterClients } from '../cluster-clients.js';
import type { PropagationEvents } from './propagation-events.js';
import type { PropagationLatency } from './propagation-latency.js';
import { bindingKey, type TemplateType } from './template-type.js';

/** The pieces every stage of the pipeline reads from (built once by the composition). */
export interface PipelineContext {
  client: KubeClient;
  informers: InformerFactory;
  clients: ClusterClients;
  logger: Logger;
  /** Every key is looked at again this often (drift repair, status, eviction timeouts). */
  resyncMs: number;
  /** The kinds propagated now: the configured ones and the custom kinds of Established CRDs. */
  types: () => TemplateType[];
  /** Replicas, revisions and status of every kind (built-in rules and customizations). */
  interpreter: ResourceInterpreter;
  events: PropagationEvents;
  latency: PropagationLatency;
}

/** A ResourceBinding's template, read from its kind's informer. */
export interface BoundTemplate {
  t: TemplateType;
  tmpl: KubeObject;
}

/** The kind a binding's `spec.resource` names among those propagated now. */
export function typeOfBinding(ctx: PipelineContext, b: ResourceBinding): TemplateType | undefined {
  const r = b.spec.resource;
  return ctx.types().find((t) => t.apiVersion === r.apiVersion && t.kind === r.kind);
}

/**
 * The template a binding was made for (a cluster-scoped template's binding lives in `default`, its
 * resource's namespace too), when its informer holds it with the binding's uid.
 */
export function templateOfBinding(
  ctx: PipelineContext,
  b: ResourceBinding,
): BoundTemplate | undefined {
  const t = typeOfBinding(ctx, b);
  if (!t) return undefined;
  const r = b.spec.resource;
  const inf = ctx.informers.for(t.gvr);
  const namespaced = r.namespace !== undefined ? inf.get(`${r.namespace}/${r.name}`) : undefined;
  const clusterScoped = inf.get(r.name);
  const tmpl =
    namespaced ?? (clusterScoped?.metadata.namespace === undefined ? clusterScoped : undefined);
  if (!tmpl || (r.uid && tmpl.metadata.uid && r.uid !== tmpl.metadata.uid)) return undefined;
  return { t, tmpl };
}

/** Enqueues, through `enqueue`, every binding (a cluster or an override policy changed). */
export function enqueueAllBindings(ctx: PipelineContext, enqueue: (key: string) => void): void {
  for (const b of ctx.informers.for<ResourceBinding>(RESOURCE_BINDINGS).list()) {
    enqueue(`${b.metadata.namespace ?? 'default'}/${b.metadata.name ?? ''}`);
  }
}

/** The binding key of a template key's template, while its informer holds it. */
export function bindingKeyOfTemplate(ctx: PipelineContext, key: string): string | undefined {
  const g = key.split('|')[0];
  const t = ctx.types().find((x) => `${x.gvr.group}/${x.gvr.resource}` === g);
  const tmpl = t && ctx.informers.for(t.gvr).get(key.split('|')[1] ?? '');
  return t && tmpl ? bindingKey(t, tmpl) : undefined;
}

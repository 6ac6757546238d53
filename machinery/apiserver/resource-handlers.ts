import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import type { KubeObject, WatchEvent } from '../meta.js';
import type { DeleteOptions, ListOptions, WatchOptions } from '../client/kube-client.js';
import {
  BadRequestError,
  GoneError,
  MethodNotSupportedError,
  NotFoundError,
  UnsupportedMediaTypeError,
  ApiError,
  InternalError,
} from '../errors/index.js';
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  mergeKeyLookup,
} from '../patch/index.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { ResourceType } from '../resource-type.js';
import { dryRunRegistry, isDryRun } from './dry-run.js';
import { fieldManagedRegistry, RequestFieldManager } from './field-manager.js';
import { getPath, setPath } from './object-path.js';
import { isProtobufContentType } from './protobuf/index.js';
import { requestIdOf } from '../storage/stored-request-id.js';
import { readRequestBody, readRequestBodyText, type RequestBody } from './request-body.js';
import {
  enforceFieldValidation,
  fieldProblems,
  fieldValidationDirective,
  patchProblems,
} from './field-validation.js';
import type { NamespaceLifecycle } from './namespace-lifecycle.js';
import type { ResourcePath } from './request-path.js';
import { toTable, wantsTable } from './table.js';

/** Dependencies of the resource handlers. */
export interface HandlerDeps {
  registry: GenericRegistry;
  /** Interval of watch BOOKMARK events when the client allows them. */
  bookmarkIntervalMs: number;
  /** NamespaceLifecycle admission (absent when the server serves no namespaces). */
  namespaces?: NamespaceLifecycle;
}

function query(ctx: Context): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.query)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && v[0] !== undefined) out[k] = v[0];
  }
  return out;
}

/** The authenticated user of a request, for create and update admission. */
function requestUser(ctx: Context): string {
  return String(ctx.state.user ?? 'system:anonymous');
}

function listOptions(q: Record<string, string>): ListOptions & WatchOptions {
  const o: ListOptions & WatchOptions = {};
  if (q.labelSelector !== undefined) o.labelSelector = q.labelSelector;
  if (q.fieldSelector !== undefined) o.fieldSelector = q.fieldSelector;
  if (q.continue !== undefined) o.continue = q.continue;
  if (q.resourceVersion !== undefined) {
    if (!/^\d*$/.test(q.resourceVersion)) {
      throw new BadRequestError(`invalid resourceVersion "${q.resourceVersion}": must be a number`);
    }
    o.resourceVersion = q.resourceVersion;
  }
  if (q.limit !== undefined) {
    const n = Number(q.limit);
    if (!Number.isInteger(n) || n < 0) throw new BadRequestError(`invalid limit "${q.limit}"`);
    if (n > 0) o.limit = n;
  }
  if (q.timeoutSeconds !== undefined) {
    const t = Number(q.timeoutSeconds);
    if (!Number.isFinite(t) || t < 0) {
      throw new BadRequestError(`invalid timeoutSeconds "${q.timeoutSeconds}"`);
    }
    o.timeoutSeconds = t;
  }
  if (q.allowWatchBookmarks === 'true') o.allowWatchBookmarks = true;
  return o;
}

async function body(ctx: Context): Promise<unknown> {
  return (await bodyText(ctx)).value;
}

async function bodyText(ctx: Context): Promise<RequestBody> {
  const parsed = await readRequestBodyText(ctx.req, ctx.get('content-type'));
  // the audit log records it at level Request and above
  ctx.state.requestObject = parsed.value;
  return parsed;
}

/** A create or update body, after field validation (fieldValidation query parameter). */
async function checkedBody(ctx: Context, rt: ResourceType): Promise<unknown> {
  const b = await bodyText(ctx);
  enforceFieldValidation(ctx, rt, fieldProblems(rt, b.value, b.json));
  return b.value;
}

function respond(ctx: Context, rt: ResourceType, obj: KubeObject, status = 200): void {
  ctx.status = status;
  ctx.body = wantsTable(ctx.get('accept')) ? toTable(rt, [obj]) : obj;
}

function scaleOf(rt: ResourceType, obj: KubeObject): unknown {
  const sc = rt.subresources?.scale;
  if (!sc) throw new NotFoundError(`${rt.plural} has no scale subresource`);
  const selector = sc.labelSelectorPath ? getPath(obj, sc.labelSelectorPath) : undefined;
  let selectorString: string | undefined;
  if (typeof selector === 'string') selectorString = selector;
  else if (selector && typeof selector === 'object') {
    const ml = (selector as { matchLabels?: Record<string, string> }).matchLabels ?? {};
    selectorString = Object.entries(ml)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: Number(getPath(obj, sc.specReplicasPath) ?? 0) },
    status: {
      replicas: Number(getPath(obj, sc.statusReplicasPath) ?? 0),
      ...(selectorString ? { selector: selectorString } : {}),
    },
  };
}

/**
 * Applies `patch` of media type `contentType` (merge, apply, strategic merge with the type's merge
 * keys, JSON patch) to `current`. @throws UnsupportedMediaTypeError for other types
 */
export function applyPatch(
  rt: ResourceType,
  current: unknown,
  patch: unknown,
  contentType: string,
): unknown {
  const ct = contentType.split(';')[0]?.trim() ?? '';
  switch (ct) {
    case 'application/merge-patch+json':
    case 'application/apply-patch+yaml':
      return applyMergePatch(current, patch);
    case 'application/strategic-merge-patch+json':
      if (rt.strategicMergePatch === false) {
        // as kube-apiserver for custom resources: there are no merge keys to merge lists by
        throw new UnsupportedMediaTypeError(
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
        );
      }
      return applyStrategicMergePatch(current, patch, mergeKeyLookup(rt.patchMergeKeys));
    case 'application/json-patch+json':
      return applyJsonPatch(current, patch);
    default:
      throw new UnsupportedMediaTypeError(
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml`,
      );
  }
}

/** Serves one object, subresource or collection request. */
export async function handleResource(
  ctx: Context,
  rt: ResourceType,
  p: ResourcePath,
  deps: HandlerDeps,
): Promise<void> {
  // dryRun=All: everything runs except the write (kubectl --dry-run=server, kubectl diff)
  const dryRun = isDryRun(ctx.query.dryRun);
  // writes record their managers in managedFields; apply patches are server-side apply
  const fm = RequestFieldManager.fromRequest(ctx);
  const reg = fieldManagedRegistry(dryRun ? dryRunRegistry(deps.registry) : deps.registry, fm);
  const q = query(ctx);
  const ns = rt.namespaced ? p.namespace : undefined;
  const method = ctx.method;
  if (p.name === undefined) {
    if (method === 'GET') {
      if (q.watch === 'true' || q.watch === '1') {
        watchResponse(ctx, rt, reg.watch(rt, ns, listOptions(q)), listOptions(q), deps);
        return;
      }
      const list = await reg.list(rt, ns, listOptions(q));
      if (wantsTable(ctx.get('accept'))) {
        const t: { resourceVersion?: string; continue?: string } = {};
        if (list.metadata.resourceVersion !== undefined) {
          t.resourceVersion = list.metadata.resourceVersion;
        }
        if (list.metadata.continue !== undefined) t.continue = list.metadata.continue;
        ctx.body = toTable(rt, list.items, t);
      } else {
        ctx.body = list;
      }
      return;
    }
    if (method === 'POST') {
      const b = await checkedBody(ctx, rt);
      await deps.namespaces?.admitCreate(rt, ns, b);
      respond(ctx, rt, await reg.create(rt, ns, b, requestUser(ctx)), 201);
      return;
    }
    if (method === 'DELETE') {
      const list = await reg.list(rt, ns, listOptions(q));
      for (const item of list.items) {
        try {
          await reg.delete(rt, ns, item.metadata.name ?? '', {});
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
      }
      ctx.body = list;
      return;
    }
    throw new MethodNotSupportedError(`${method} is not supported on ${rt.plural} collections`);
  }
  const name = p.name;
  if (p.subresource === 'scale') {
    await handleScale(ctx, rt, ns, name, reg);
    return;
  }
  if (p.subresource !== undefined && p.subresource !== 'status') {
    throw new NotFoundError(
      `the server could not find the requested resource (${rt.plural}/${p.subresource})`,
    );
  }
  const sub = p.subresource === 'status' ? ('status' as const) : undefined;
  if (sub && !rt.subresources?.status) {
    throw new NotFoundError(`${rt.plural} has no status subresource`);
  }
  // who writes, for create/update admission (e.g. who may change a PromotionRequest's phase)
  const user = requestUser(ctx);
  switch (method) {
    case 'GET':
      respond(ctx, rt, await reg.get(rt, ns, name));
      return;
    case 'PUT':
      respond(ctx, rt, await reg.update(rt, ns, name, await checkedBody(ctx, rt), sub, user));
      return;
    case 'PATCH': {
      const { value: patch, json: patchJson } = await bodyText(ctx);
      const ct = ctx.get('content-type');
      let result: KubeObject;
      // set by the last (successful) run of the update function: it may run again on conflicts
      let problems: string[] = [];
      const strict = fieldValidationDirective(ctx) === 'Strict';
      // a merge patch that names metadata.resourceVersion is an optimistic lock (409 when stale)
      const expectedRv = Array.isArray(patch)
        ? undefined
        : (patch as Partial<KubeObject> | null)?.metadata?.resourceVersion;
      try {
        result = await reg.guaranteedUpdate(
          rt,
          ns,
          name,
          expectedRv,
          (cur) => {
            const patched = (
              fm.operation === 'Apply'
                ? fm.apply(rt, cur, patch, sub)
                : applyPatch(rt, cur, patch, ct)
            ) as KubeObject;
            if (patched === null || typeof patched !== 'object') {
              throw new BadRequestError('patch result is not an object');
            }
            problems = patchProblems(rt, cur, patched, patchJson);
            // Strict refuses before anything is stored; Warn adds its headers once, below
            if (strict) enforceFieldValidation(ctx, rt, problems);
            if (sub === 'status') return { ...cur, status: patched.status };
            if (rt.subresources?.status) patched.status = cur.status;
            return patched;
          },
          { user, subresource: sub },
        );
      } catch (err) {
        if (err instanceof NotFoundError && ct.startsWith('application/apply-patch+yaml')) {
          enforceFieldValidation(ctx, rt, fieldProblems(rt, patch));
          await deps.namespaces?.admitCreate(rt, ns, patch);
          respond(
            ctx,
            rt,
            await reg.create(
              rt,
              ns,
              {
                ...(patch as object),
                metadata: { ...((patch as KubeObject).metadata ?? {}), name },
              },
              user,
            ),
            201,
          );
          return;
        }
        throw err;
      }
      enforceFieldValidation(ctx, rt, problems);
      respond(ctx, rt, result);
      return;
    }
    case 'DELETE': {
      deps.namespaces?.admitDelete(rt, name);
      let opts: DeleteOptions = {};
      // DeleteOptions: protobuf from typed clients (drain without eviction), else always JSON
      const bodyType = ctx.get('content-type');
      const parsed = await readRequestBody(
        ctx.req,
        isProtobufContentType(bodyType) ? bodyType : 'application/json',
        true,
      );
      if (parsed !== undefined) opts = parsed as DeleteOptions;
      // client-go sends DeleteOptions.dryRun in the body rather than the query
      const delReg =
        !dryRun && isDryRun((opts as { dryRun?: unknown }).dryRun)
          ? dryRunRegistry(deps.registry)
          : reg;
      if (
        q.propagationPolicy === 'Orphan' ||
        q.propagationPolicy === 'Foreground' ||
        q.propagationPolicy === 'Background'
      ) {
        opts.propagationPolicy = q.propagationPolicy;
      }
      // `?gracePeriodSeconds=0` is as good as the body's (curl, older clients)
      if (q.gracePeriodSeconds !== undefined && /^-?\d+$/.test(q.gracePeriodSeconds)) {
        opts.gracePeriodSeconds = Number(q.gracePeriodSeconds);
      }
      const { object, pending } = await delReg.delete(rt, ns, name, opts);
      respond(ctx, rt, object, pending ? 202 : 200);
      return;
    }
    default:
      throw new MethodNotSupportedError(`${method} is not supported on ${rt.plural}`);
  }
}

async function handleScale(
  ctx: Context,
  rt: ResourceType,
  ns: string | undefined,
  name: string,
  reg: GenericRegistry,
): Promise<void> {
  const sc = rt.subresources?.scale;
  if (!sc) throw new NotFoundError(`${rt.plural} has no scale subresource`);
  if (ctx.method === 'GET') {
    ctx.body = scaleOf(rt, await reg.get(rt, ns, name));
    return;
  }
  if (ctx.method !== 'PUT' && ctx.method !== 'PATCH') {
    throw new MethodNotSupportedError(`${ctx.method} is not supported on scale`);
  }
  const input = await body(ctx);
  const ct = ctx.get('content-type');
  const updated = await reg.guaranteedUpdate(
    rt,
    ns,
    name,
    undefined,
    (cur) => {
      const scale = ctx.method === 'PUT' ? input : applyPatch(rt, scaleOf(rt, cur), input, ct);
      const replicas = (scale as { spec?: { replicas?: unknown } }).spec?.replicas;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw new BadRequestError('scale spec.replicas must be a non-negative integer');
      }
      setPath(cur, sc.specReplicasPath, replicas);
      return cur;
    },
    { user: requestUser(ctx), subresource: 'scale' },
  );
  ctx.body = scaleOf(rt, updated);
}

/** The JSON of objects shared by many watches (the watch cache's, frozen), made once each. */
const sharedJson = new WeakMap<KubeObject, string>();

/**
 * One JSON watch event line, as `JSON.stringify({ type, object, requestId })` writes it; the
 * object's JSON is made once for every watch that sends it when the object is a frozen one.
 */
export function watchEventLine(type: string, object: KubeObject, requestId?: string): string {
  let json: string | undefined;
  if (Object.isFrozen(object)) {
    json = sharedJson.get(object);
    if (json === undefined) sharedJson.set(object, (json = JSON.stringify(object)));
  } else {
    json = JSON.stringify(object);
  }
  const rid = requestId === undefined ? '' : `,"requestId":${JSON.stringify(requestId)}`;
  return `{"type":${JSON.stringify(type)},"object":${json}${rid}}\n`;
}

function watchResponse(
  ctx: Context,
  rt: ResourceType,
  watch: AsyncIterable<WatchEvent> & { stop(): void },
  opts: WatchOptions,
  deps: HandlerDeps,
): void {
  const out = new PassThrough();
  const table = wantsTable(ctx.get('accept'));
  ctx.status = 200;
  ctx.type = 'application/json';
  ctx.set('Cache-Control', 'no-cache, private');
  ctx.set('Transfer-Encoding', 'chunked');
  ctx.body = out;
  // koa writes the headers with the first chunk; a quiet watch must still answer 200 at once
  setImmediate(() => {
    if (!ctx.res.headersSent && !ctx.res.destroyed) ctx.res.flushHeaders();
  });
  let lastRv = opts.resourceVersion ?? '0';
  const write = (ev: WatchEvent | { type: string; object: unknown }): void => {
    out.write(`${JSON.stringify(ev)}\n`);
  };
  const timers: NodeJS.Timeout[] = [];
  const stop = (): void => {
    for (const t of timers) clearTimeout(t);
    watch.stop();
    out.end();
  };
  ctx.req.on('close', stop);
  if (opts.timeoutSeconds !== undefined && opts.timeoutSeconds > 0) {
    timers.push(setTimeout(stop, opts.timeoutSeconds * 1000));
  }
  if (opts.allowWatchBookmarks) {
    const iv = setInterval(() => {
      write({
        type: 'BOOKMARK',
        object: {
          kind: rt.kind,
          apiVersion: rt.group === '' ? rt.version : `${rt.group}/${rt.version}`,
          metadata: { resourceVersion: lastRv },
        },
      });
    }, deps.bookmarkIntervalMs);
    timers.push(iv);
  }
  const pump = async (): Promise<void> => {
    try {
      for await (const ev of watch) {
        lastRv = ev.object.metadata.resourceVersion ?? lastRv;
        // the request that wrote this version (stored-request-id.ts), for controllers' logs
        const requestId = requestIdOf(ev.object);
        if (table) {
          const event = { type: ev.type, object: toTable(rt, [ev.object]) };
          write(requestId === undefined ? event : { ...event, requestId });
        } else {
          out.write(watchEventLine(ev.type, ev.object, requestId));
        }
      }
    } catch (err) {
      const e =
        err instanceof ApiError
          ? err
          : new InternalError(err instanceof Error ? err.message : String(err));
      write({
        type: 'ERROR',
        object:
          e instanceof GoneError ? { ...e.toStatus(), code: 410, reason: 'Expired' } : e.toStatus(),
      });
    } finally {
      stop();
    }
  };
  void pump();
}

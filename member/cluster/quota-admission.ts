/**
 * kube-apiserver's ResourceQuota admission plugin: a create in a namespace with ResourceQuotas is
 * refused (403) when it would take a quota's usage beyond `spec.hard` — `exceeded quota: q,
 * requested: pods=1, used: pods=2, limited: pods=2` — and a pod lacking a cpu/memory request a
 * quota limits is refused (`failed quota: q: must specify requests.cpu for: app`).
 *
 * Usage is counted from storage at admission time (the quota controller keeps `status.used` for
 * readers), and the check plus the write run serialised per namespace in this process, so two
 * concurrent creates cannot both take the last unit of a quota.
 */
import type { KubeObject } from '../../machinery/meta.js';
import type { Lister } from '../../machinery/informer/index.js';
import {
  admissionForbidden,
  KeyedMutex,
  type AdmissionPlugin,
  type CreateAttributes,
} from '../../machinery/registry/admission.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import {
  countedType,
  formatQuantity,
  objectUsage,
  parseQuantity,
  podConstraintViolation,
  prettyUsage,
  quotaSelects,
  resourceQuotaType,
  type Pod,
  type ResourceQuota,
} from '../../api/index.js';

const quotaType = resourceQuotaType as unknown as ResourceType;

/** Kinds quota never evaluates (Kubernetes' default ignored resources). */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);

/** Options for {@link quotaAdmission}. */
export interface QuotaAdmissionOptions {
  /** The served type of `group`/`plural` (object counts of any served kind). */
  typeOf: (group: string, plural: string) => ResourceType | undefined;
  /** Clock (pods past their graceful deletion no longer count). */
  now?: () => number;
  /**
   * The ResourceQuotas from an informer once it has synced (undefined before: storage is read),
   * so a create in a namespace without a quota reads no storage, as kube-apiserver's quota lister.
   */
  quotas?: () => Lister<ResourceQuota> | undefined;
}

/** The quotas of the namespace that concern this create, with the resources each checks. */
function relevant(
  quotas: readonly ResourceQuota[],
  a: CreateAttributes,
  delta: Record<string, number>,
): { quota: ResourceQuota; keys: string[] }[] {
  const out: { quota: ResourceQuota; keys: string[] }[] = [];
  for (const quota of quotas) {
    if (!quotaSelects(quota, a.rt, a.obj)) continue;
    const hard = Object.keys(quota.spec?.hard ?? {});
    const keys = hard.filter((k) => delta[k] !== undefined);
    const isPod = a.rt.group === '' && a.rt.plural === 'pods';
    const constrains = isPod && podConstraintViolation(a.obj as Pod, hard) !== undefined;
    if (keys.length > 0 || constrains) out.push({ quota, keys });
  }
  return out;
}

/** The ResourceQuota admission plugin. */
export function quotaAdmission(opts: QuotaAdmissionOptions): AdmissionPlugin {
  const mutex = new KeyedMutex();
  const now = opts.now ?? Date.now;

  const listQuotas = async (a: CreateAttributes, ns: string): Promise<ResourceQuota[]> =>
    opts.quotas?.()?.list(ns) ?? (await a.registry.list(quotaType, ns)).items;

  /** What the namespace uses of `key` in the objects `quota` selects, in thousandths. */
  const usedOf = async (
    a: CreateAttributes,
    ns: string,
    quota: ResourceQuota,
    key: string,
    cache: Map<string, KubeObject[]>,
  ): Promise<number> => {
    const t = countedType(key);
    const rt = t ? opts.typeOf(t.group, t.plural) : undefined;
    if (!rt) return 0;
    const cacheKey = `${rt.group}/${rt.plural}`;
    let objs = cache.get(cacheKey);
    if (!objs) {
      objs = (await a.registry.list(rt, ns)).items;
      cache.set(cacheKey, objs);
    }
    const at = now();
    let sum = 0;
    for (const o of objs) {
      if (quotaSelects(quota, rt, o)) sum += objectUsage(rt, o, at)[key] ?? 0;
    }
    return sum;
  };

  const check = async (a: CreateAttributes, ns: string): Promise<void> => {
    const delta = objectUsage(a.rt, a.obj, now());
    const cache = new Map<string, KubeObject[]>();
    const found = relevant(await listQuotas(a, ns), a, delta);
    const name = a.obj.metadata.name;
    // constraints first, as the quota evaluator does
    if (a.rt.group === '' && a.rt.plural === 'pods') {
      for (const { quota } of found) {
        const why = podConstraintViolation(a.obj as Pod, Object.keys(quota.spec?.hard ?? {}));
        if (why !== undefined) {
          throw admissionForbidden(
            a.rt,
            name,
            `failed quota: ${quota.metadata.name ?? ''}: ${why}`,
          );
        }
      }
    }
    for (const { quota, keys } of found) {
      const requested: Record<string, string> = {};
      const used: Record<string, string> = {};
      const limited: Record<string, string> = {};
      for (const k of keys) {
        const hard = parseQuantity(quota.spec?.hard?.[k]) ?? 0;
        const u = await usedOf(a, ns, quota, k, cache);
        const d = delta[k] ?? 0;
        if (u + d > hard) {
          requested[k] = formatQuantity(d, k);
          used[k] = formatQuantity(u, k);
          limited[k] = formatQuantity(hard, k);
        }
      }
      if (Object.keys(limited).length > 0) {
        throw admissionForbidden(
          a.rt,
          name,
          `exceeded quota: ${quota.metadata.name ?? ''}, requested: ${prettyUsage(requested)}, used: ${prettyUsage(used)}, limited: ${prettyUsage(limited)}`,
        );
      }
    }
  };

  return {
    validateCreate: async (a, write) => {
      const ns = a.namespace;
      if (!a.rt.namespaced || ns === undefined || IGNORED.has(`${a.rt.group}/${a.rt.plural}`)) {
        return write();
      }
      // most namespaces have no quota: no lock, one read
      const delta = objectUsage(a.rt, a.obj, now());
      if (relevant(await listQuotas(a, ns), a, delta).length === 0) return write();
      return mutex.run(ns, async () => {
        await check(a, ns);
        return write();
      });
    },
  };
}

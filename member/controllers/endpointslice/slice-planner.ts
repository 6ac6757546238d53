/**
 * Places desired endpoints into EndpointSlices with little churn, as Kubernetes' EndpointSlice
 * reconciler does: endpoints that already sit in a slice stay there, gone ones leave it, new ones
 * fill slices that are being rewritten anyway, then slices with room, then new slices. Shared by
 * the EndpointSlice and EndpointSliceMirroring controllers; pure (no API calls).
 */
import { isDeepStrictEqual } from 'node:util';
import type { OwnerReference } from '../../../machinery/meta.js';
import type {
  EndpointAddressType,
  EndpointSlice,
  EndpointSlicePort,
  SliceEndpoint,
} from '../../../api/index.js';

/** Endpoints that share one port mapping and address type (they may share a slice). */
export interface EndpointGroup {
  addressType: EndpointAddressType;
  ports: EndpointSlicePort[];
  endpoints: SliceEndpoint[];
}

/** What every slice of one owner carries. */
export interface SliceMeta {
  namespace: string;
  /** `generateName` of new slices (`<service>-`). */
  generateName: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences: OwnerReference[];
}

/** Options of {@link planSlices}. */
export interface PlanSlicesOptions {
  /** The owner's slices as the cache holds them (read only: never mutated). */
  existing: readonly EndpointSlice[];
  desired: readonly EndpointGroup[];
  meta: SliceMeta;
  /** At most this many endpoints per slice (`--max-endpoints-per-slice`). */
  maxEndpointsPerSlice: number;
  /**
   * Keep (or create) one empty slice without ports when nothing is desired, as Kubernetes'
   * EndpointSlice controller does so that consumers see the Service was processed.
   */
  placeholder: boolean;
}

/** The writes that make the slices match. */
export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/** Identity of a port mapping: address type plus the ports, order-insensitive. */
export function portMappingKey(addressType: string, ports: readonly EndpointSlicePort[]): string {
  const norm = ports
    .map((p) => [p.name ?? '', p.protocol ?? 'TCP', p.port ?? 0, p.appProtocol ?? ''])
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return `${addressType}/${JSON.stringify(norm)}`;
}

const addrKey = (e: SliceEndpoint): string => e.addresses.join(',');

/** A slice under construction: the cached one (if any) and its next endpoints. */
interface Draft {
  current: EndpointSlice | undefined;
  endpoints: SliceEndpoint[];
  changed: boolean;
}

/** Computes the creates, updates and deletes that make `existing` hold `desired`. */
export function planSlices(opts: PlanSlicesOptions): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const byKey = new Map<string, EndpointSlice[]>();
  for (const s of [...opts.existing].sort((a, b) => nameOf(a).localeCompare(nameOf(b)))) {
    const k = portMappingKey(s.addressType, s.ports ?? []);
    byKey.set(k, [...(byKey.get(k) ?? []), s]);
  }
  const desired = opts.desired.filter((g) => g.endpoints.length > 0);
  const drafts: { group: EndpointGroup; drafts: Draft[] }[] = [];
  for (const group of desired) {
    const k = portMappingKey(group.addressType, group.ports);
    drafts.push({
      group,
      drafts: placeGroup(group, byKey.get(k) ?? [], opts.maxEndpointsPerSlice),
    });
    byKey.delete(k);
  }
  // slices of port mappings no longer wanted
  const leftover = [...byKey.values()].flat();
  if (desired.length === 0 && opts.placeholder) {
    const keep = leftover.find((s) => s.endpoints.length === 0 && (s.ports ?? []).length === 0);
    if (keep) {
      if (!sameMeta(keep, opts.meta)) plan.update.push(withMeta(keep, keep.endpoints, opts.meta));
    } else {
      plan.create.push(newSlice({ addressType: 'IPv4', ports: [], endpoints: [] }, [], opts.meta));
    }
    plan.delete.push(...leftover.filter((s) => s !== keep));
    return plan;
  }
  plan.delete.push(...leftover);
  for (const { group, drafts: ds } of drafts) {
    for (const d of ds) {
      if (!d.current) plan.create.push(newSlice(group, d.endpoints, opts.meta));
      else if (d.endpoints.length === 0) plan.delete.push(d.current);
      else if (d.changed || !sameMeta(d.current, opts.meta)) {
        plan.update.push(withMeta(d.current, d.endpoints, opts.meta));
      }
    }
  }
  return plan;
}

/** Keeps placed endpoints where they are (updated), then fills with the new ones. */
function placeGroup(group: EndpointGroup, slices: EndpointSlice[], max: number): Draft[] {
  const want = new Map(group.endpoints.map((e) => [addrKey(e), e]));
  const placed = new Set<string>();
  const drafts: Draft[] = slices.map((s) => {
    const endpoints: SliceEndpoint[] = [];
    for (const e of s.endpoints) {
      const k = addrKey(e);
      const w = want.get(k);
      // gone, placed twice, or beyond the limit (the limit was lowered): leaves this slice
      if (!w || placed.has(k) || endpoints.length >= max) continue;
      placed.add(k);
      endpoints.push(w);
    }
    return { current: s, endpoints, changed: !isDeepStrictEqual(endpoints, s.endpoints) };
  });
  const rest = group.endpoints.filter((e) => !placed.has(addrKey(e)));
  const order = [...drafts.filter((d) => d.changed), ...drafts.filter((d) => !d.changed)];
  for (const d of order) {
    if (rest.length === 0) break;
    if (d.endpoints.length === 0 || d.endpoints.length >= max) continue;
    d.endpoints.push(...rest.splice(0, max - d.endpoints.length));
    d.changed = true;
  }
  for (let i = 0; i < rest.length; i += max) {
    drafts.push({ current: undefined, endpoints: rest.slice(i, i + max), changed: true });
  }
  return drafts;
}

function nameOf(s: EndpointSlice): string {
  return s.metadata.name ?? '';
}

function sameMeta(s: EndpointSlice, meta: SliceMeta): boolean {
  return (
    isDeepStrictEqual(s.metadata.labels ?? {}, meta.labels) &&
    isDeepStrictEqual(s.metadata.ownerReferences ?? [], meta.ownerReferences) &&
    (meta.annotations === undefined ||
      isDeepStrictEqual(s.metadata.annotations ?? {}, meta.annotations))
  );
}

function withMeta(s: EndpointSlice, endpoints: SliceEndpoint[], meta: SliceMeta): EndpointSlice {
  const next = structuredClone(s);
  next.metadata.labels = { ...meta.labels };
  next.metadata.ownerReferences = structuredClone(meta.ownerReferences);
  if (meta.annotations) next.metadata.annotations = { ...meta.annotations };
  next.endpoints = structuredClone(endpoints);
  return next;
}

function newSlice(
  group: EndpointGroup,
  endpoints: SliceEndpoint[],
  meta: SliceMeta,
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: meta.generateName,
      namespace: meta.namespace,
      labels: { ...meta.labels },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: structuredClone(meta.ownerReferences),
    },
    addressType: group.addressType,
    endpoints: structuredClone(endpoints),
    ports: structuredClone(group.ports),
  };
}

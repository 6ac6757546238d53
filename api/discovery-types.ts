/** discovery.k8s.io/v1 EndpointSlice: its type, validation and the resource type served. */
import type { KubeObject, StatusCause } from '../machinery/meta.js';
import type { ResourceType } from '../machinery/resource-type.js';
import { invalid } from './validation.js';

/** Label naming the Service an EndpointSlice belongs to (Kubernetes' `LabelServiceName`). */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** Label naming the controller that manages an EndpointSlice (Kubernetes' `LabelManagedBy`). */
export const LABEL_ENDPOINTSLICE_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';

/** The address families an EndpointSlice may hold. */
export const ENDPOINT_ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'] as const;
/** One of {@link ENDPOINT_ADDRESS_TYPES}. */
export type EndpointAddressType = (typeof ENDPOINT_ADDRESS_TYPES)[number];

/** One endpoint of a slice: the addresses of one backend (a pod). */
export interface SliceEndpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: { kind?: string; name?: string; namespace?: string; uid?: string };
}

/** One port of a slice (the backends' own port, not the Service's). */
export interface EndpointSlicePort {
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  port?: number;
  appProtocol?: string;
}

/** discovery.k8s.io/v1 EndpointSlice (no spec: its fields sit at the top level). */
export interface EndpointSlice extends KubeObject {
  addressType: EndpointAddressType;
  endpoints: SliceEndpoint[];
  ports?: EndpointSlicePort[];
}

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

/** Validates an EndpointSlice: address type, each endpoint's addresses (1..100), its ports. */
export function validateEndpointSlice(o: EndpointSlice): StatusCause[] {
  const out: StatusCause[] = [];
  if (!(ENDPOINT_ADDRESS_TYPES as readonly unknown[]).includes(o.addressType)) {
    out.push({
      reason: 'FieldValueNotSupported',
      field: 'addressType',
      message: `Unsupported value: ${JSON.stringify(o.addressType)}: supported values: "FQDN", "IPv4", "IPv6"`,
    });
  }
  const endpoints = o.endpoints as unknown;
  if (!Array.isArray(endpoints)) {
    out.push(invalid('endpoints', endpoints, 'must be a list'));
  } else {
    (endpoints as SliceEndpoint[]).forEach((e, i) => {
      const at = `endpoints[${String(i)}].addresses`;
      const addrs = (e as Partial<SliceEndpoint> | null)?.addresses as unknown;
      if (!Array.isArray(addrs) || addrs.length < 1 || addrs.length > 100) {
        out.push(invalid(at, addrs, 'must contain between 1 and 100 addresses'));
      } else if (addrs.some((a) => typeof a !== 'string' || a === '')) {
        out.push(invalid(at, addrs, 'must be non-empty strings'));
      }
    });
  }
  (o.ports ?? []).forEach((p, i) => {
    const at = `ports[${String(i)}]`;
    if (p.port !== undefined && (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535)) {
      out.push(invalid(`${at}.port`, p.port, 'must be between 1 and 65535, inclusive'));
    }
    if (p.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) {
      out.push({
        reason: 'FieldValueNotSupported',
        field: `${at}.protocol`,
        message: `Unsupported value: "${String(p.protocol)}": supported values: "SCTP", "TCP", "UDP"`,
      });
    }
  });
  return out;
}

/** `endpointslice` resource type (discovery.k8s.io/v1). */
export const endpointSliceType: ResourceType<EndpointSlice> = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  defaults: (o) => {
    o.endpoints ??= [];
    for (const p of o.ports ?? []) p.protocol ??= 'TCP';
  },
  validate: (o) => validateEndpointSlice(o),
  printerColumns: [
    { name: 'AddressType', type: 'string', value: (s) => s.addressType },
    {
      name: 'Ports',
      type: 'string',
      value: (s) => (s.ports ?? []).map((p) => String(p.port ?? '')).join(',') || '<unset>',
    },
    {
      name: 'Endpoints',
      type: 'string',
      value: (s) => s.endpoints.flatMap((e) => e.addresses).join(',') || '<unset>',
    },
  ],
};

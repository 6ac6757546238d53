/**
 * What the chaos workload (workload.ts) writes, per kind: the objects (Deployments, ConfigMaps,
 * Services selecting the Deployments' pods, and Widgets, the custom kind of a CRD the workload
 * creates at the federation), the PropagationPolicies spreading them over the members, and how
 * the version of each object is read back. Every kind carries a `version` the workload bumps on
 * update, so the invariants (invariants.ts) compare it like the ConfigMaps' `data.version`:
 *   Deployment  env VERSION of its container
 *   ConfigMap   data.version
 *   Service     its port is 8000 + version (the member allocates its own clusterIP)
 *   Widget      spec.size is the version, spec.color follows it
 */
import {
  CONFIGMAPS,
  DEPLOYMENTS,
  SERVICES,
  type ConfigMap,
  type CustomResourceDefinition,
  type Deployment,
  type Service,
} from '../../api/index.js';
import type { PropagationPolicy } from '../../federation/apis/index.js';
import type { GroupVersionResource, KubeObject } from '../../machinery/meta.js';

/** The namespace the workload writes to. */
export const CHAOS_NAMESPACE = 'chaos';
/**
 * Label naming an object's spread: `dup`, `div` (Deployments), `cm` (ConfigMaps), `svc`
 * (Services) or `cr` (Widgets); the policy of the same name selects it.
 */
export const LABEL_SPREAD = 'chaos.flotilla.io/spread';

/** How an object is spread over the members. */
export type Spread = 'dup' | 'div' | 'cm' | 'svc' | 'cr';

/** The kinds the workload writes. */
export type WorkloadKind = 'Deployment' | 'ConfigMap' | 'Service' | 'Widget';

/** The custom kind's group, and the CRD the workload creates at the federation. */
export const WIDGET_GROUP = 'chaos.flotilla.io';
/** The CRD's name (`<plural>.<group>`). */
export const WIDGET_CRD = `widgets.${WIDGET_GROUP}`;
/** The Widgets' resource. */
export const WIDGETS: GroupVersionResource = {
  group: WIDGET_GROUP,
  version: 'v1alpha1',
  resource: 'widgets',
};
const WIDGET_COLORS = ['red', 'green', 'blue', 'amber'] as const;
/** The Service port of version 1 is 8001. */
const SERVICE_PORT_BASE = 8000;

/** A Widget (the custom kind). */
export interface Widget extends KubeObject {
  spec: { size: number; color: string };
}

/** Per kind: where it is served and how it is named and spread. */
export interface KindInfo {
  kind: WorkloadKind;
  apiVersion: string;
  gvr: GroupVersionResource;
  /** Name prefix of the workload's objects of this kind (`d-7`, `cm-8`, `svc-9`, `w-10`). */
  prefix: string;
  /** Plural used in the operation names (`create-<op>`) and the invariant counts. */
  op: string;
}

/** The workload's kinds, in the order the invariants check them. */
export const WORKLOAD_KINDS: readonly KindInfo[] = [
  { kind: 'Deployment', apiVersion: 'apps/v1', gvr: DEPLOYMENTS, prefix: 'd', op: 'deployment' },
  { kind: 'ConfigMap', apiVersion: 'v1', gvr: CONFIGMAPS, prefix: 'cm', op: 'configmap' },
  { kind: 'Service', apiVersion: 'v1', gvr: SERVICES, prefix: 'svc', op: 'service' },
  {
    kind: 'Widget',
    apiVersion: `${WIDGET_GROUP}/v1alpha1`,
    gvr: WIDGETS,
    prefix: 'w',
    op: 'widget',
  },
];

/** The {@link KindInfo} of `kind`. */
export function kindInfo(kind: WorkloadKind): KindInfo {
  const k = WORKLOAD_KINDS.find((x) => x.kind === kind);
  if (!k) throw new Error(`unknown workload kind ${kind}`);
  return k;
}

/**
 * The Widget CRD: namespaced, one version, a structural schema (spec.size integer ≥ 0,
 * spec.color string).
 */
export function widgetCrd(): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: WIDGET_CRD },
    spec: {
      group: WIDGET_GROUP,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['size', 'color'],
                  properties: {
                    size: { type: 'integer', minimum: 0 },
                    color: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

/**
 * The PropagationPolicies of the run, for `members` (cluster names): Deployments Duplicated or
 * Divided 2:1:1..., ConfigMaps to all but the last member, Services to all, Widgets to all but
 * the first (so the CRD, which follows its objects, is not in every member).
 */
export function chaosPolicies(members: readonly string[]): PropagationPolicy[] {
  const pp = (name: string, spec: PropagationPolicy['spec']): PropagationPolicy => ({
    apiVersion: 'policy.flotilla.io/v1alpha1',
    kind: 'PropagationPolicy',
    metadata: { name, namespace: CHAOS_NAMESPACE },
    spec,
  });
  const sel = (
    kind: WorkloadKind,
    spread: Spread,
  ): PropagationPolicy['spec']['resourceSelectors'] => [
    {
      apiVersion: kindInfo(kind).apiVersion,
      kind,
      labelSelector: { matchLabels: { [LABEL_SPREAD]: spread } },
    },
  ];
  const some = (xs: readonly string[]): string[] => (xs.length > 0 ? [...xs] : [...members]);
  return [
    pp('chaos-dup', {
      resourceSelectors: sel('Deployment', 'dup'),
      placement: {
        clusterAffinity: { clusterNames: [...members] },
        replicaScheduling: { replicaSchedulingType: 'Duplicated' },
      },
    }),
    pp('chaos-div', {
      resourceSelectors: sel('Deployment', 'div'),
      placement: {
        clusterAffinity: { clusterNames: [...members] },
        replicaScheduling: {
          replicaSchedulingType: 'Divided',
          weightPreference: {
            staticWeightList: members.map((m, i) => ({
              targetCluster: { clusterNames: [m] },
              weight: i === 0 ? 2 : 1,
            })),
          },
        },
      },
    }),
    pp('chaos-cm', {
      resourceSelectors: sel('ConfigMap', 'cm'),
      placement: { clusterAffinity: { clusterNames: some(members.slice(0, -1)) } },
    }),
    pp('chaos-svc', {
      resourceSelectors: sel('Service', 'svc'),
      placement: { clusterAffinity: { clusterNames: [...members] } },
    }),
    pp('chaos-cr', {
      resourceSelectors: sel('Widget', 'cr'),
      placement: { clusterAffinity: { clusterNames: some(members.slice(1)) } },
    }),
  ];
}

const meta = (name: string, spread: Spread): KubeObject['metadata'] => ({
  name,
  namespace: CHAOS_NAMESPACE,
  labels: { [LABEL_SPREAD]: spread },
});

/** A workload Deployment (`d-<n>`); odd `n` surge by one at a time, the others by 25%. */
export function deployment(
  name: string,
  spread: Spread,
  replicas: number,
  version: number,
): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(name, spread),
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      ...(Number(name.slice(2)) % 2 === 1
        ? { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }
        : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'main',
              image: 'busybox',
              command: ['sleep', '3600'],
              env: [{ name: 'VERSION', value: String(version) }],
            },
          ],
        },
      },
    },
  };
}

/** A workload ConfigMap. */
export function configMap(name: string, version: number): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(name, 'cm'),
    data: { version: String(version) },
  };
}

/** The ports of a workload Service at `version` (what an update replaces). */
export function servicePorts(version: number): NonNullable<Service['spec']['ports']> {
  return [{ name: 'http', port: SERVICE_PORT_BASE + version, targetPort: 8080, protocol: 'TCP' }];
}

/** A ClusterIP Service selecting the pods of Deployment `app`. */
export function service(name: string, app: string, version: number): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, 'svc'),
    spec: { type: 'ClusterIP', selector: { app }, ports: servicePorts(version) },
  };
}

/** The spec of a Widget at `version`. */
export function widgetSpec(version: number): Widget['spec'] {
  return { size: version, color: WIDGET_COLORS[version % WIDGET_COLORS.length] ?? 'red' };
}

/** A Widget. */
export function widget(name: string, version: number): Widget {
  return {
    apiVersion: kindInfo('Widget').apiVersion,
    kind: 'Widget',
    metadata: meta(name, 'cr'),
    spec: widgetSpec(version),
  };
}

/** The version of a workload object (see the module comment); NaN when absent. */
export function versionOf(obj: KubeObject): number {
  switch (obj.kind) {
    case 'ConfigMap':
      return Number((obj as { data?: Record<string, string> }).data?.version);
    case 'Service': {
      const port = (obj as Partial<Service>).spec?.ports?.[0]?.port;
      return port === undefined ? NaN : port - SERVICE_PORT_BASE;
    }
    case 'Widget':
      return Number((obj as Partial<Widget>).spec?.size);
    default: {
      const env = (obj as Partial<Deployment>).spec?.template.spec.containers[0]?.env ?? [];
      return Number(env.find((e) => e.name === 'VERSION')?.value);
    }
  }
}

/**
 * What the members must hold of `obj` (compared as a subset of the member's copy): a Deployment's
 * spec without replicas (placement divides them), a ConfigMap's data, a Service's spec without
 * the clusterIP (each member allocates its own), a Widget's spec.
 */
export function memberContent(obj: KubeObject): unknown {
  switch (obj.kind) {
    case 'ConfigMap':
      return (obj as { data?: unknown }).data ?? {};
    case 'Service': {
      const spec = { ...(obj as Service).spec };
      delete spec.clusterIP;
      delete spec.clusterIPs;
      return spec;
    }
    case 'Deployment': {
      const spec = { ...(obj as Deployment).spec };
      delete spec.replicas;
      return spec;
    }
    default:
      return (obj as { spec?: unknown }).spec ?? {};
  }
}

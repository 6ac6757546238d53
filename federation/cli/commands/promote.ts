/**
 * `flotilla promote TYPE NAME -n NS -C CLUSTER` (karmadactl promote): adopt an object that so far
 * lives only in one member. Its copy (without server-set fields) becomes the federation's template
 * and a PropagationPolicy `<name>-promoted` places it on that cluster alone with
 * `conflictResolution: Overwrite`, so the propagation controller takes the existing member object
 * over (same uid) instead of refusing it as unmanaged.
 *
 * When the template already exists at the federation and is placed on that cluster, but its
 * policy (conflictResolution Abort) refused the member's unmanaged object (the binding's
 * FullyApplied=False), promote adopts that object instead: it sets Karmada's conflict-resolution
 * annotation (`Overwrite`) on the template, which wins over the policy for this template only.
 */
import {
  CLUSTERS,
  PROPAGATION_POLICIES,
  RESOURCE_BINDINGS,
  type Cluster,
  type PropagationPolicy,
  type ResourceBinding,
} from '../../apis/index.js';
import { ANNOTATION_TEMPLATE_CONFLICT_RESOLUTION } from '../../controllers/propagation/member-writer.js';
import { FEDERATION_SYSTEM_NAMESPACE } from '../../controllers/cluster-clients.js';
import { LABEL_MANAGED_BY } from '../../controllers/propagation/member-object.js';
import { clusterCredentials } from '../../../machinery/client/cluster-credentials.js';
import { RestClient, type RestClientOptions } from '../../../machinery/client/rest-client.js';
import { AlreadyExistsError, NotFoundError } from '../../../machinery/errors/index.js';
import type { GroupVersionResource, KubeObject } from '../../../machinery/meta.js';
import { stringFlag, type CliCommand, type CommandContext } from '../cli-context.js';
import { CliError, UsageError } from '../errors/index.js';
import { printObject } from '../printers/index.js';
import { ResourceResolver, type ResolvedResource } from '../resource-resolver.js';
import { NAMESPACES, SECRETS } from './core-resources.js';

/**
 * The built-in kinds the federation propagates (federation/controllermanager PROPAGATED_TYPES; a
 * unit test keeps the two equal): only these can be promoted, all of them namespaced.
 * CustomResourceDefinitions and custom resources are propagated too, but not promoted (the
 * federation would first need the member's CRD).
 */
export const PROMOTABLE_KINDS: readonly string[] = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'Service',
  'ConfigMap',
  'Secret',
  'ServiceExport',
];

/** Suffix of the policy `promote` creates. */
export const PROMOTED_POLICY_SUFFIX = '-promoted';

/** How `promote` reaches the member (replaced in tests). */
export interface PromoteDeps {
  /** A client for the member from the Cluster's stored credentials. */
  memberClient(opts: RestClientOptions): RestClient;
}

const defaultDeps: PromoteDeps = { memberClient: (o) => new RestClient(o) };

/** The REST path of one object. */
export function objectPath(
  gvr: GroupVersionResource,
  ns: string | undefined,
  name: string,
): string {
  const base = gvr.group === '' ? `/api/${gvr.version}` : `/apis/${gvr.group}/${gvr.version}`;
  return `${base}${ns ? `/namespaces/${ns}` : ''}/${gvr.resource}/${name}`;
}

/**
 * The template made from a member object: without what a server sets (uid, resourceVersion,
 * creationTimestamp, managedFields, generation, ownerReferences, finalizers, status) nor what a
 * member allocates (a Service's cluster IPs).
 */
export function templateFrom(obj: KubeObject): KubeObject {
  const t = structuredClone(obj);
  const m = t.metadata as Record<string, unknown>;
  for (const k of [
    'uid',
    'resourceVersion',
    'creationTimestamp',
    'managedFields',
    'generation',
    'ownerReferences',
    'finalizers',
    'selfLink',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'generateName',
  ]) {
    delete m[k];
  }
  const ann = { ...(t.metadata.annotations ?? {}) };
  delete ann['deployment.kubernetes.io/revision'];
  delete ann['kubectl.kubernetes.io/last-applied-configuration'];
  if (Object.keys(ann).length > 0) t.metadata.annotations = ann;
  else delete t.metadata.annotations;
  delete t.status;
  if (t.kind === 'Service' && t.spec && typeof t.spec === 'object') {
    const spec = t.spec as Record<string, unknown>;
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  return t;
}

/** The policy that places the template on `cluster` only and adopts what is there. */
export function promotedPolicy(tmpl: KubeObject, cluster: string): PropagationPolicy {
  return {
    apiVersion: `${PROPAGATION_POLICIES.group}/${PROPAGATION_POLICIES.version}`,
    kind: 'PropagationPolicy',
    metadata: {
      name: `${tmpl.metadata.name ?? ''}${PROMOTED_POLICY_SUFFIX}`,
      namespace: tmpl.metadata.namespace ?? 'default',
    },
    spec: {
      resourceSelectors: [
        { apiVersion: tmpl.apiVersion, kind: tmpl.kind, name: tmpl.metadata.name ?? '' },
      ],
      placement: { clusterAffinity: { clusterNames: [cluster] } },
      conflictResolution: 'Overwrite',
    },
  };
}

/** Whether the federation serves the cluster proxy (`clusters/proxy` in discovery). */
async function hasClusterProxy(client: RestClient): Promise<boolean> {
  try {
    const d = await client.request<{ resources?: { name: string }[] }>(
      'GET',
      `/apis/${CLUSTERS.group}/${CLUSTERS.version}`,
    );
    return (d.resources ?? []).some((r) => r.name === 'clusters/proxy');
  } catch {
    return false;
  }
}

/**
 * Reads the object from the member: through the federation's cluster proxy when it serves one
 * (the caller's own permissions), else with the Cluster's stored credentials as the propagation
 * controller does (needs read access to Secrets in flotilla-system).
 * @throws CliError when the object or the cluster does not exist or cannot be reached
 */
async function readFromMember(
  ctx: CommandContext,
  deps: PromoteDeps,
  cluster: string,
  path: string,
  what: string,
): Promise<KubeObject> {
  const client = ctx.client();
  const c = await client
    .resource<Cluster>(CLUSTERS)
    .get(cluster)
    .catch((err: unknown) => {
      if (err instanceof NotFoundError) throw new CliError(`cluster "${cluster}" not found`);
      throw err;
    });
  const notFound = (err: unknown): never => {
    if (err instanceof NotFoundError) {
      throw new CliError(`${what} not found in cluster ${cluster}`, { cause: err });
    }
    throw err;
  };
  if (await hasClusterProxy(client)) {
    return client
      .request<KubeObject>(
        'GET',
        `/apis/${CLUSTERS.group}/${CLUSTERS.version}/clusters/${cluster}/proxy${path}`,
      )
      .catch(notFound);
  }
  const ref = c.spec.secretRef;
  if (!ref) {
    throw new CliError(
      `cluster ${cluster} is a Pull cluster: the federation holds no credentials for it and serves no cluster proxy`,
    );
  }
  const secret = await client
    .resource(SECRETS, ref.namespace || FEDERATION_SYSTEM_NAMESPACE)
    .get(ref.name);
  const member = deps.memberClient({
    server: c.spec.apiEndpoint,
    ...clusterCredentials(secret.data as Record<string, string> | undefined),
    timeoutMs: 10_000,
    userAgent: 'flotilla-cli',
  });
  try {
    return await member.request<KubeObject>('GET', path).catch(notFound);
  } finally {
    member.close();
  }
}

/** Creates the namespace at the federation when it is missing (templates need it). */
async function ensureNamespace(client: RestClient, ns: string): Promise<void> {
  await client
    .resource(NAMESPACES)
    .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
    .catch((err: unknown) => {
      if (!(err instanceof AlreadyExistsError)) throw err;
    });
}

function checkPromotable(r: ResolvedResource, type: string): void {
  if (!r.namespaced) {
    throw new CliError(
      `${type} is cluster-scoped: only namespaced kinds can be promoted (${PROMOTABLE_KINDS.join(', ')}); Flotilla has no ClusterPropagationPolicy`,
    );
  }
  if (!PROMOTABLE_KINDS.includes(r.kind)) {
    throw new CliError(
      `the federation does not propagate ${r.kind}; promotable kinds: ${PROMOTABLE_KINDS.join(', ')}`,
    );
  }
}

/** The promote flow with its member access injected. */
export async function promote(
  ctx: CommandContext,
  deps: PromoteDeps = defaultDeps,
): Promise<number> {
  const [type, name, ...rest] = ctx.args;
  const cluster = stringFlag(ctx.flags, 'cluster');
  if (!type || !name || rest.length > 0 || !cluster) {
    throw new UsageError(
      'promote needs TYPE NAME and --cluster: flotilla promote deployment web -n NS -C member1',
    );
  }
  const client = ctx.client();
  const r = await new ResourceResolver(client).resolve(type);
  checkPromotable(r, type);
  const ns = ctx.namespace;
  const what = `${r.kind.toLowerCase()} ${ns}/${name}`;
  const exists = await client
    .resource(r.gvr, ns)
    .get(name)
    .then(
      () => true,
      (err: unknown) => {
        if (err instanceof NotFoundError) return false;
        throw err;
      },
    );
  const obj = await readFromMember(ctx, deps, cluster, objectPath(r.gvr, ns, name), what);
  const managed = obj.metadata.labels?.[LABEL_MANAGED_BY] !== undefined;
  if (exists && managed) {
    throw new CliError(`${what} already exists in the federation; nothing to promote`);
  }
  if (exists) return adoptConflicting(ctx, r, name, cluster, what);
  if (managed) {
    throw new CliError(`${what} in cluster ${cluster} is already managed by the federation`);
  }
  const tmpl = templateFrom(obj);
  const policy = promotedPolicy(tmpl, cluster);
  await ensureNamespace(client, ns);
  const policies = client.resource<PropagationPolicy>(PROPAGATION_POLICIES, ns);
  const createdPolicy = await policies.create(policy).catch((err: unknown) => {
    if (err instanceof AlreadyExistsError) {
      throw new CliError(
        `propagationpolicy ${ns}/${policy.metadata.name ?? ''} already exists; delete it or promote another name`,
      );
    }
    throw err;
  });
  let created: KubeObject;
  try {
    created = await client.resource(r.gvr, ns).create(tmpl);
  } catch (err) {
    // leave nothing half-done: the policy alone would select a template someone creates later
    await policies.delete(policy.metadata.name ?? '').catch(() => undefined);
    if (err instanceof AlreadyExistsError) {
      throw new CliError(`${what} already exists in the federation`);
    }
    throw err;
  }
  const out = ctx.global.output;
  const kind = r.kind.toLowerCase();
  if (out === 'yaml' || out === 'json') {
    ctx.io.stdout(
      printObject(
        { apiVersion: 'v1', kind: 'List', metadata: {}, items: [created, createdPolicy] },
        out,
      ),
    );
  } else if (out === 'name') {
    ctx.io.stdout(`${kind}/${name}\npropagationpolicy/${policy.metadata.name ?? ''}\n`);
  } else {
    ctx.io.stdout(
      `${kind}/${name} promoted from cluster ${cluster} (propagationpolicy/${policy.metadata.name ?? ''}, conflictResolution Overwrite)\n`,
    );
  }
  return 0;
}

/**
 * Adopts the member's unmanaged object for a template that exists at the federation: only when
 * the template's ResourceBinding places it on `cluster` (otherwise nothing would take the object
 * over), by annotating the template with conflict resolution `Overwrite`.
 * @throws CliError when the template is not placed on `cluster`
 */
async function adoptConflicting(
  ctx: CommandContext,
  r: ResolvedResource,
  name: string,
  cluster: string,
  what: string,
): Promise<number> {
  const client = ctx.client();
  const ns = ctx.namespace;
  const binding = await client
    .resource<ResourceBinding>(RESOURCE_BINDINGS, ns)
    .get(`${name}-${r.kind.toLowerCase()}`)
    .catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
  if (!binding?.spec.clusters?.some((c) => c.name === cluster && c.replicas !== 0)) {
    throw new CliError(
      `${what} already exists in the federation and is not placed in cluster ${cluster}; nothing to promote`,
    );
  }
  const templates = client.resource(r.gvr, ns);
  const tmpl = await templates.get(name);
  tmpl.metadata.annotations = {
    ...(tmpl.metadata.annotations ?? {}),
    [ANNOTATION_TEMPLATE_CONFLICT_RESOLUTION]: 'Overwrite',
  };
  // preconditioned on the resourceVersion just read: a concurrent change fails (409), retry
  const updated = await templates.update(tmpl);
  const out = ctx.global.output;
  if (out === 'yaml' || out === 'json') ctx.io.stdout(printObject(updated, out));
  else if (out === 'name') ctx.io.stdout(`${r.kind.toLowerCase()}/${name}\n`);
  else {
    ctx.io.stdout(
      `${r.kind.toLowerCase()}/${name} adopted in cluster ${cluster} (${ANNOTATION_TEMPLATE_CONFLICT_RESOLUTION}: Overwrite on the template)\n`,
    );
  }
  return 0;
}

/** `flotilla promote TYPE NAME -n NS -C CLUSTER [-o yaml|json|name]` */
export const promoteCommand: CliCommand = {
  name: 'promote',
  summary: 'Adopt an object that exists only in a member cluster into the federation',
  usage: 'flotilla promote TYPE NAME [-n NS] -C|--cluster CLUSTER [-o yaml|json|name]',
  options: { cluster: { type: 'string', short: 'C' } },
  run: (ctx) => promote(ctx),
};

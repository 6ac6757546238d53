/**
 * Brings one API server (the federation or a member) in line with the desired ServiceImport of
 * a name and its EndpointSlices: creates what is missing (and the namespace, in a member),
 * updates only what differs, deletes what should not be there. Used for the federation's record
 * and for every member's copy alike.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  ENDPOINTSLICES,
  NAMESPACES,
  SERVICEIMPORTS,
  type EndpointSlice,
  type ServiceImport,
} from '../../../api/index.js';
import type { KubeClient, ResourceClient } from '../../../machinery/client/kube-client.js';
import { AlreadyExistsError, NotFoundError } from '../../../machinery/errors/index.js';
import type { KubeObject } from '../../../machinery/meta.js';

/** Label on the ServiceImports the controller writes (members' caches select on it). */
export const LABEL_APP_MANAGED_BY = 'app.kubernetes.io/managed-by';

/** What one server holds now (from a cache) and should hold. */
export interface ImportState {
  namespace: string;
  name: string;
  /** Undefined: the import and every slice are to go. */
  desiredImport: ServiceImport | undefined;
  desiredSlices: EndpointSlice[];
  existingImport: ServiceImport | undefined;
  existingSlices: EndpointSlice[];
}

/** Options of {@link writeImport}. */
export interface WriteImportOptions {
  /** Create the namespace when a create finds it missing (members). */
  createNamespace: boolean;
}

/**
 * Writes the differences; returns the actions taken (`create serviceimport ns/name`, ...), empty
 * when the server already matched. Slices go before the import is deleted and after it is made,
 * so a consumer never sees slices without their import for long.
 * @throws the server's errors (the caller decides what is retried)
 */
export async function writeImport(
  client: KubeClient,
  s: ImportState,
  opts: WriteImportOptions,
): Promise<string[]> {
  const actions: string[] = [];
  const imports = client.resource<ServiceImport>(SERVICEIMPORTS, s.namespace);
  const slices = client.resource<EndpointSlice>(ENDPOINTSLICES, s.namespace);
  const create = async <T extends KubeObject>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      // a member without the namespace yet (the import is the first thing of it there)
      if (!opts.createNamespace || !(err instanceof NotFoundError) || err.kind !== 'namespaces') {
        throw err;
      }
      await ensureNamespace(client, s.namespace);
      actions.push(`create namespace ${s.namespace}`);
      return await fn();
    }
  };
  if (s.desiredImport) await syncImportObject(s, imports, create, actions);
  const wanted = new Map(s.desiredSlices.map((x) => [x.metadata.name ?? '', x]));
  for (const have of s.existingSlices) {
    const name = have.metadata.name ?? '';
    if (wanted.has(name) && s.desiredImport) continue;
    await slices.delete(name).catch(ignoreNotFound);
    actions.push(`delete endpointslice ${s.namespace}/${name}`);
  }
  if (s.desiredImport) {
    for (const want of s.desiredSlices) {
      const name = want.metadata.name ?? '';
      const have = s.existingSlices.find((x) => x.metadata.name === name);
      if (!have) {
        await create(() => slices.create(want));
        actions.push(`create endpointslice ${s.namespace}/${name}`);
      } else if (!sameSlice(have, want)) {
        await slices.update({
          ...want,
          metadata: { ...have.metadata, labels: want.metadata.labels ?? {} },
        });
        actions.push(`update endpointslice ${s.namespace}/${name}`);
      }
    }
  } else if (s.existingImport) {
    await imports.delete(s.name).catch(ignoreNotFound);
    actions.push(`delete serviceimport ${s.namespace}/${s.name}`);
  }
  return actions;
}

async function syncImportObject(
  s: ImportState,
  imports: ResourceClient<ServiceImport>,
  create: <T extends KubeObject>(fn: () => Promise<T>) => Promise<T>,
  actions: string[],
): Promise<void> {
  const want = s.desiredImport;
  if (!want) return;
  let have = s.existingImport;
  const key = `${s.namespace}/${s.name}`;
  if (!have) {
    have = await create(() => imports.create(want));
    actions.push(`create serviceimport ${key}`);
  } else if (
    !isDeepStrictEqual(have.spec, want.spec) ||
    !isDeepStrictEqual(have.metadata.labels ?? {}, want.metadata.labels ?? {})
  ) {
    have = await imports.update({
      ...have,
      spec: want.spec,
      metadata: { ...have.metadata, labels: want.metadata.labels ?? {} },
    });
    actions.push(`update serviceimport ${key}`);
  }
  if (!isDeepStrictEqual(have.status ?? {}, want.status ?? {})) {
    await imports.updateStatus({ ...have, status: want.status ?? {} });
    actions.push(`updateStatus serviceimport ${key}`);
  }
}

/** Same content, labels included (metadata bookkeeping aside). */
export function sameSlice(a: EndpointSlice, b: EndpointSlice): boolean {
  return (
    a.addressType === b.addressType &&
    isDeepStrictEqual(a.endpoints, b.endpoints) &&
    isDeepStrictEqual(a.ports ?? [], b.ports ?? []) &&
    isDeepStrictEqual(a.metadata.labels ?? {}, b.metadata.labels ?? {})
  );
}

async function ensureNamespace(client: KubeClient, namespace: string): Promise<void> {
  await client
    .resource(NAMESPACES)
    .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } })
    .catch((err: unknown) => {
      if (!(err instanceof AlreadyExistsError)) throw err;
    });
}

function ignoreNotFound(err: unknown): undefined {
  if (err instanceof NotFoundError) return undefined;
  throw err;
}

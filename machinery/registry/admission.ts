/**
 * Admission plugins of the generic registry: kube-apiserver's admission chain for what needs to
 * read other objects (Priority resolves a pod's PriorityClass, ResourceQuota counts a namespace's
 * objects). A type's own synchronous hooks (`ResourceType.admit`, `admitUpdate`) stay where they
 * are; plugins are handed to the registry (ApiServerOptions.admission) and run on every create,
 * including dry runs and server-side-apply creates.
 */
import type { KubeObject } from '../meta.js';
import { ForbiddenError } from '../errors/index.js';
import type { ResourceType } from '../resource-type.js';
import { qualifiedResource } from './object-names.js';

/** What plugins read other objects with (the generic registry serving the request). */
export interface AdmissionReader {
  get(rt: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject>;
  list(rt: ResourceType, namespace: string | undefined): Promise<{ items: KubeObject[] }>;
}

/** What a create admission plugin sees. */
export interface CreateAttributes {
  rt: ResourceType;
  namespace: string | undefined;
  /** The object as it will be stored (plugins in the mutating phase may change it). */
  obj: KubeObject;
  /** The authenticated user; undefined for writes no user asked for. */
  user: string | undefined;
  /** Reads other objects (the registry serving the request: dry runs read the real storage). */
  registry: AdmissionReader;
}

/** One admission plugin. */
export interface AdmissionPlugin {
  /** Mutating admission on create: runs before defaults and validation. Throw ApiErrors to refuse. */
  mutateCreate?(a: CreateAttributes): Promise<void>;
  /**
   * Validating admission on create: runs after validation; `write` stores the object and the
   * plugin returns what it returns, so it may hold a lock around the write (quota checks
   * serialised per namespace). Throw ApiErrors to refuse.
   */
  validateCreate?(a: CreateAttributes, write: () => Promise<KubeObject>): Promise<KubeObject>;
}

/** Runs the validating phase of `plugins` around `write`, first plugin outermost. */
export function validateCreateChain(
  plugins: readonly AdmissionPlugin[],
  a: CreateAttributes,
  write: () => Promise<KubeObject>,
): Promise<KubeObject> {
  let next = write;
  for (const p of [...plugins].reverse()) {
    const inner = next;
    if (p.validateCreate) next = () => p.validateCreate!(a, inner);
  }
  return next();
}

/**
 * kube-apiserver's `admission.NewForbidden`: `<resource> "<name>" is forbidden: <message>` (403),
 * for plugins refusing an object.
 */
export function admissionForbidden(
  rt: ResourceType,
  name: string | undefined,
  message: string,
): ForbiddenError {
  const what = qualifiedResource(rt);
  return new ForbiddenError(
    name ? `${what} "${name}" is forbidden: ${message}` : `${what} is forbidden: ${message}`,
    { kind: rt.plural, group: rt.group, ...(name ? { name } : {}) },
  );
}

/**
 * Serialises async sections per key (a namespace) within this process: each runs once the
 * previous one of its key settled.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(fn, fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a section running or waiting (tests). */
  get size(): number {
    return this.tails.size;
  }
}

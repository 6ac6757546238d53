/**
 * kube-apiserver's Priority admission plugin (plugin/pkg/admission/priority): a pod's
 * `spec.priorityClassName` resolves to `spec.priority` and `spec.preemptionPolicy` on create (the
 * global default class, else 0, when it names none); an unknown class is 403; a pod stating a
 * priority that disagrees with its class is 403. On PriorityClass create, at most one class may
 * be the global default.
 */
import type { KubeObject } from '../../machinery/meta.js';
import { NotFoundError } from '../../machinery/errors/index.js';
import type { Lister } from '../../machinery/informer/index.js';
import {
  admissionForbidden,
  type AdmissionPlugin,
  type CreateAttributes,
} from '../../machinery/registry/admission.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { priorityClassType, type Pod, type PriorityClass } from '../../api/index.js';

const pcType = priorityClassType as unknown as ResourceType;

const isPods = (rt: ResourceType): boolean => rt.group === '' && rt.plural === 'pods';
const isPriorityClasses = (rt: ResourceType): boolean =>
  rt.group === pcType.group && rt.plural === pcType.plural;

/**
 * The global default class: with several (created before this check existed, or racing), the
 * one of lowest value, as Kubernetes picks it.
 */
async function defaultClass(
  a: CreateAttributes,
  cache: Lister<PriorityClass> | undefined,
): Promise<PriorityClass | undefined> {
  const all =
    cache?.list() ?? ((await a.registry.list(pcType, undefined)).items as PriorityClass[]);
  let best: PriorityClass | undefined;
  for (const pc of all) {
    if (pc.globalDefault && (best === undefined || pc.value < best.value)) best = pc;
  }
  return best;
}

async function admitPod(
  a: CreateAttributes,
  cache: Lister<PriorityClass> | undefined,
): Promise<void> {
  const pod = a.obj as Pod;
  if (!pod.spec || typeof pod.spec !== 'object') return; // validation answers
  let priority = 0;
  let policy: string | undefined;
  const name = pod.spec.priorityClassName;
  if (name === undefined || name === '') {
    const pc = await defaultClass(a, cache);
    if (pc) {
      pod.spec.priorityClassName = pc.metadata.name ?? '';
      priority = pc.value;
      policy = pc.preemptionPolicy;
    }
  } else {
    let pc: PriorityClass;
    try {
      // a class created since the cache last heard is read from storage
      pc = cache?.get(name) ?? ((await a.registry.get(pcType, undefined, name)) as PriorityClass);
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw admissionForbidden(
          a.rt,
          pod.metadata.name,
          `no PriorityClass with name ${name} was found`,
        );
      }
      throw err;
    }
    priority = pc.value;
    policy = pc.preemptionPolicy;
  }
  if (pod.spec.priority !== undefined && pod.spec.priority !== priority) {
    throw admissionForbidden(
      a.rt,
      pod.metadata.name,
      `the integer value of priority (${String(pod.spec.priority)}) must not be provided in pod spec; priority admission controller computed ${String(priority)} from the given PriorityClass name`,
    );
  }
  pod.spec.priority = priority;
  if (policy !== undefined) {
    if (pod.spec.preemptionPolicy !== undefined && pod.spec.preemptionPolicy !== policy) {
      throw admissionForbidden(
        a.rt,
        pod.metadata.name,
        `the string value of PreemptionPolicy (${pod.spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
      );
    }
    pod.spec.preemptionPolicy = policy;
  }
}

async function admitPriorityClass(a: CreateAttributes): Promise<void> {
  const pc = a.obj as PriorityClass;
  if (!pc.globalDefault) return;
  // from storage: two default classes must not both get in
  const existing = await defaultClass(a, undefined);
  if (existing) {
    throw admissionForbidden(
      a.rt,
      pc.metadata.name,
      `PriorityClass ${existing.metadata.name ?? ''} is already marked as default. Only one default can exist`,
    );
  }
}

/**
 * The Priority admission plugin. `classes` gives the PriorityClasses from an informer once it has
 * synced (undefined before: storage is read), so a pod create reads no storage for its class.
 */
export function priorityAdmission(
  classes: () => Lister<PriorityClass> | undefined = () => undefined,
): AdmissionPlugin {
  return {
    mutateCreate: async (a) => {
      if (isPods(a.rt)) await admitPod(a, classes());
    },
    validateCreate: async (a, write): Promise<KubeObject> => {
      if (isPriorityClasses(a.rt)) await admitPriorityClass(a);
      return write();
    },
  };
}

// @ts-check
/**
 * Announces what changed in a polite live region: a cluster's health, where a binding placed its
 * replicas, a promotion request's phase. Only changes seen on watches are spoken, never the
 * initial lists, and only the last few messages stay in the region.
 */
import { PATHS } from './pages/common.js';

/** @typedef {import('./watch.js').KubeObject} KubeObject */

const KEEP = 3;

/**
 * The part of an object worth announcing, or undefined.
 * @param {string} path
 * @param {KubeObject} o
 * @returns {string | undefined}
 */
function summary(path, o) {
  const any = /** @type {any} */ (o);
  const name = o.metadata.name ?? '';
  switch (path) {
    case PATHS.clusters: {
      /** @type {{ type: string, status: string }[]} */
      const conditions = any.status?.conditions ?? [];
      const ready = conditions.find((c) => c.type === 'Ready')?.status === 'True';
      return `Cluster ${name} is ${ready ? 'Ready' : 'not Ready'}.`;
    }
    case PATHS.resourceBindings: {
      /** @type {{ name: string, replicas?: number }[]} */
      const clusters = any.spec?.clusters ?? [];
      const where = clusters.map((c) => `${c.name} ${String(c.replicas ?? '')}`.trim()).join(', ');
      return `${String(any.spec?.resource?.kind ?? '')} ${String(any.spec?.resource?.name ?? name)} placed on ${where || 'no cluster'}.`;
    }
    case PATHS.promotionRequests:
      return `Promotion request ${name} is ${String(any.status?.phase ?? 'Pending')}.`;
    default:
      return undefined;
  }
}

/** Speaks through an aria-live element. */
export class Announcer {
  /** @param {HTMLElement} region an element with `aria-live="polite"` */
  constructor(region) {
    /** @private @readonly */
    this.region = region;
    /** @private @type {Map<string, string>} */
    this.last = new Map();
  }

  /**
   * Announces `text` now.
   * @param {string} text
   */
  say(text) {
    const p = document.createElement('p');
    p.textContent = text;
    this.region.append(p);
    while (this.region.childElementCount > KEEP) this.region.firstElementChild?.remove();
  }

  /**
   * A watch event: announces it when the object's summary changed.
   * @param {string} path
   * @param {import('./watch.js').ChangeType} type
   * @param {KubeObject | undefined} object
   */
  observe(path, type, object) {
    if (!object) return;
    const key = `${path}|${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
    if (type === 'DELETED') {
      this.last.delete(key);
      const s = summary(path, object);
      if (s) this.say(`${object.kind ?? 'Object'} ${object.metadata.name ?? ''} was deleted.`);
      return;
    }
    const s = summary(path, object);
    if (!s || this.last.get(key) === s) return;
    this.last.set(key, s);
    this.say(s);
  }
}

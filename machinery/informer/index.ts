/** Informers: list+watch caches with event handlers. */
export { SharedInformer, type SharedInformerOptions } from './shared-informer.js';
export type { InformerHandlers, Lister } from './informer-types.js';
export { InformerFactory } from './informer-factory.js';
export { WrittenObjects } from './written-objects.js';

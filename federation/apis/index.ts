/** Federation API: meta types plus Cluster, policies, bindings, Works and interpreter customizations. */
export * from '../../machinery/meta.js';
export * from './federation-types.js';
export * from './federation-resource-types.js';
export * from './work-types.js';
export * from './work-resource-types.js';
export * from './interpreter-types.js';

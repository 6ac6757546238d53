/** Federation API: meta types plus Cluster, policies and bindings. */
export * from '../../machinery/meta.js';
export * from './federation-types.js';
export * from './federation-resource-types.js';

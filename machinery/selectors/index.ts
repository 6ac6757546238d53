/** Label and field selectors (Kubernetes syntax). */
export * from './label-selector.js';
export * from './field-selector.js';

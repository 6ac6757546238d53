/** The generic Kubernetes-style API server. */
export { ApiServer, type ApiServerOptions } from './api-server.js';
export type { SubresourceHandler, SubresourceRequest } from './subresource-handler.js';
export { getPath, setPath } from './object-path.js';
export { applyPatch } from './resource-handlers.js';
export { toTable, wantsTable } from './table.js';
export { selfSignedCert, type ServingCert } from './serving-cert.js';

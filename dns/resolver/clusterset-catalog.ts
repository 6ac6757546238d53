import type { EndpointSlice, ServiceImport } from '../../api/index.js';

/** Where `clusterset.local` answers come from: the federation's imports and imported slices. */
export interface ClusterSetCatalog {
  /**
   * True once both resources were listed. A resource the federation does not serve (404) counts as
   * listed and empty: no ServiceImport can exist there.
   */
  synced(): boolean;
  /** The ServiceImport of `namespace/name`; undefined when the service is not imported. */
  serviceImport(namespace: string, name: string): ServiceImport | undefined;
  /**
   * The EndpointSlices labelled `multicluster.kubernetes.io/service-name: <name>` in `namespace`,
   * in any order.
   */
  endpointSlices(namespace: string, name: string): EndpointSlice[];
  /**
   * Calls `listener(namespace, name)` after the ServiceImport or an EndpointSlice of that service
   * was added, changed or removed (synchronously, from the watch event).
   */
  onChange(listener: (namespace: string, name: string) => void): void;
}

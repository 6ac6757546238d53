/** Where a member cluster sits: the Cluster's region and zone, when it has them. */
export interface ClusterTopology {
  cluster: string;
  region?: string;
  zone?: string;
}

/** Ready endpoints of one service in one member cluster. */
export interface ClusterEndpoints extends ClusterTopology {
  ips: string[];
}

/** A service whose endpoints changed in some member. */
export interface ServiceRef {
  namespace: string;
  name: string;
}

/** Where federated names look up endpoints across clusters. */
export interface FederatedCatalog {
  /**
   * Ready endpoints per cluster. A cluster that is not Ready, or has no ready endpoints, should
   * still be listed (with empty `ips`): its `region` is how a client in it finds its region, and
   * its `region`/`zone` are what make the region- and zone-qualified names exist.
   */
  endpoints(namespace: string, service: string): Promise<ClusterEndpoints[]>;
  /**
   * Every Cluster (Ready or not) with its region and zone: which region and zone apexes and empty
   * non-terminals exist. Without it they are NXDOMAIN (service names still answer, from
   * {@link FederatedCatalog.endpoints}).
   */
  topology?(): ClusterTopology[];
  /**
   * Calls `listener()` after the clusters changed (added, removed, readiness, region or zone), and
   * `listener(service)` after a service's ready endpoints changed in some member, so cached
   * answers can be dropped at once.
   */
  onChange?(listener: (service?: ServiceRef) => void): void;
}

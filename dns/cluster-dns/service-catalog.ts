import type { KubeObject } from '../../machinery/meta.js';

/** core/v1 Service fields the DNS reads. */
export interface DnsService extends KubeObject {
  spec: {
    type?: string;
    clusterIP?: string;
    externalName?: string;
    ports?: { name?: string; port: number; protocol?: string }[];
    publishNotReadyAddresses?: boolean;
  };
}

/** core/v1 Endpoints fields the DNS reads. */
export interface DnsEndpoints extends KubeObject {
  subsets?: {
    addresses?: { ip: string; hostname?: string }[];
    notReadyAddresses?: { ip: string; hostname?: string }[];
    ports?: { name?: string; port: number; protocol?: string }[];
  }[];
}

/** Where the cluster DNS reads Services and Endpoints (informers in production, a map in tests). */
export interface ServiceCatalog {
  /**
   * Changes whenever a Service or Endpoints object is added, updated or deleted, at the moment the
   * lookups start returning the change: the cluster DNS drops its stored answers when it moves.
   */
  readonly revision: number;
  service(namespace: string, name: string): DnsService | undefined;
  endpoints(namespace: string, name: string): DnsEndpoints | undefined;
  services(): DnsService[];
  allEndpoints(): DnsEndpoints[];
}

/**
 * A catalog over plain arrays (tests, benchmarks). Assigning {@link StaticCatalog.svcs} or
 * {@link StaticCatalog.eps} is a change; after editing the arrays in place, call
 * {@link StaticCatalog.touch}.
 */
export class StaticCatalog implements ServiceCatalog {
  revision = 0;
  private services_: DnsService[];
  private endpoints_: DnsEndpoints[];

  constructor(svcs: DnsService[] = [], eps: DnsEndpoints[] = []) {
    this.services_ = svcs;
    this.endpoints_ = eps;
  }

  get svcs(): DnsService[] {
    return this.services_;
  }

  set svcs(v: DnsService[]) {
    this.services_ = v;
    this.touch();
  }

  get eps(): DnsEndpoints[] {
    return this.endpoints_;
  }

  set eps(v: DnsEndpoints[]) {
    this.endpoints_ = v;
    this.touch();
  }

  /** Marks the arrays as changed (answers stored from them are dropped). */
  touch(): void {
    this.revision++;
  }

  service(ns: string, name: string): DnsService | undefined {
    return this.svcs.find((s) => s.metadata.namespace === ns && s.metadata.name === name);
  }

  endpoints(ns: string, name: string): DnsEndpoints | undefined {
    return this.eps.find((s) => s.metadata.namespace === ns && s.metadata.name === name);
  }

  services(): DnsService[] {
    return this.svcs;
  }

  allEndpoints(): DnsEndpoints[] {
    return this.eps;
  }
}

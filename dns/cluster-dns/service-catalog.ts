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
  service(namespace: string, name: string): DnsService | undefined;
  endpoints(namespace: string, name: string): DnsEndpoints | undefined;
  services(): DnsService[];
  allEndpoints(): DnsEndpoints[];
}

/** A catalog over plain arrays (tests, benchmarks). */
export class StaticCatalog implements ServiceCatalog {
  svcs: DnsService[];
  eps: DnsEndpoints[];

  constructor(svcs: DnsService[] = [], eps: DnsEndpoints[] = []) {
    this.svcs = svcs;
    this.eps = eps;
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

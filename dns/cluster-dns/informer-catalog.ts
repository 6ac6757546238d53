import type { KubeClient } from '../../machinery/client/kube-client.js';
import { InformerFactory } from '../../machinery/informer/index.js';
import type { DnsEndpoints, DnsService, ServiceCatalog } from './service-catalog.js';

const SERVICES = { group: '', version: 'v1', resource: 'services' };
const ENDPOINTS = { group: '', version: 'v1', resource: 'endpoints' };

/** A {@link ServiceCatalog} kept current by list+watch informers on Services and Endpoints. */
export class InformerCatalog implements ServiceCatalog {
  private readonly informers: InformerFactory;

  constructor(client: KubeClient) {
    this.informers = new InformerFactory(client);
    this.informers.for(SERVICES);
    this.informers.for(ENDPOINTS);
  }

  /** Starts the informers and waits for their first list. */
  async start(signal: AbortSignal): Promise<void> {
    this.informers.start(signal);
    await Promise.all([
      this.informers.for(SERVICES).waitForSync(signal),
      this.informers.for(ENDPOINTS).waitForSync(signal),
    ]);
  }

  async stopped(): Promise<void> {
    await this.informers.stopped();
  }

  service(ns: string, name: string): DnsService | undefined {
    return this.informers.for<DnsService>(SERVICES).get(`${ns}/${name}`);
  }

  endpoints(ns: string, name: string): DnsEndpoints | undefined {
    return this.informers.for<DnsEndpoints>(ENDPOINTS).get(`${ns}/${name}`);
  }

  services(): DnsService[] {
    return this.informers.for<DnsService>(SERVICES).list();
  }

  allEndpoints(): DnsEndpoints[] {
    return this.informers.for<DnsEndpoints>(ENDPOINTS).list();
  }
}

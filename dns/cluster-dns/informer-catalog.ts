import type { KubeClient } from '../../machinery/client/kube-client.js';
import { InformerFactory, type SharedInformer } from '../../machinery/informer/index.js';
import type { DnsEndpoints, DnsService, ServiceCatalog } from './service-catalog.js';

const SERVICES = { group: '', version: 'v1', resource: 'services' };
const ENDPOINTS = { group: '', version: 'v1', resource: 'endpoints' };

/** A {@link ServiceCatalog} kept current by list+watch informers on Services and Endpoints. */
export class InformerCatalog implements ServiceCatalog {
  private readonly informers: InformerFactory;
  private readonly svcInformer: SharedInformer<DnsService>;
  private readonly epInformer: SharedInformer<DnsEndpoints>;
  /** Bumped by every informer event, which the informer emits right after updating its cache. */
  revision = 0;

  constructor(client: KubeClient) {
    this.informers = new InformerFactory(client);
    const changed = {
      onAdd: (): void => {
        this.revision++;
      },
      onUpdate: (): void => {
        this.revision++;
      },
      onDelete: (): void => {
        this.revision++;
      },
    };
    this.svcInformer = this.informers.for<DnsService>(SERVICES);
    this.epInformer = this.informers.for<DnsEndpoints>(ENDPOINTS);
    this.svcInformer.addEventHandler(changed);
    this.epInformer.addEventHandler(changed);
  }

  /** Starts the informers and waits for their first list. */
  async start(signal: AbortSignal): Promise<void> {
    this.informers.start(signal);
    await Promise.all([this.svcInformer.waitForSync(signal), this.epInformer.waitForSync(signal)]);
  }

  async stopped(): Promise<void> {
    await this.informers.stopped();
  }

  service(ns: string, name: string): DnsService | undefined {
    return this.svcInformer.get(`${ns}/${name}`);
  }

  endpoints(ns: string, name: string): DnsEndpoints | undefined {
    return this.epInformer.get(`${ns}/${name}`);
  }

  services(): DnsService[] {
    return this.svcInformer.list();
  }

  allEndpoints(): DnsEndpoints[] {
    return this.epInformer.list();
  }
}

/**
 * Serves image promotion on a running federation: the approval subresource, the PromotionService
 * (notification receiver, promotion controller, bullmq replicator on the given redis) and one real
 * docker-registry per environment, each posting push notifications to the service and registered
 * as a Registry object. Used by hack/local-up.ts and the registry e2e test; replication policies
 * stay the caller's.
 */
import { join } from 'node:path';
import type { ResourceType } from '../../federation/machinery/resource-type.js';
import type { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import {
  approvalHandler,
  PromotionService,
  promotionRequestType,
  REGISTRIES,
  type PromotionServiceOptions,
} from '../../registry/index.js';
import { startRegistry, type RegistryService } from './services.js';

/** Options for {@link startPromotion}. */
export interface PromotionSetupOptions {
  fed: FederationControlPlane;
  /** Token of a `system:*` user of `fed`: the service writes request phases. */
  systemToken: string;
  redis: { host: string; port: number };
  /** Environment names; each gets a registry and a Registry object of that name and environment. */
  environments: string[];
  replicator?: PromotionServiceOptions['replicator'];
  /** Where registry logs go (`<env>.log`); default: each registry's data folder. */
  logDir?: string;
}

/** A running promotion setup. */
export interface PromotionSetup {
  service: PromotionService;
  registries: Record<string, RegistryService>;
  stop(): Promise<void>;
}

/** Starts promotion on `opts.fed` (which must serve `registryResourceTypes`). */
export async function startPromotion(opts: PromotionSetupOptions): Promise<PromotionSetup> {
  opts.fed.server?.registerSubresource(
    promotionRequestType as unknown as ResourceType,
    'approval',
    approvalHandler,
  );
  const service = new PromotionService({
    client: opts.fed.client(opts.systemToken),
    redis: opts.redis,
    ...(opts.replicator ? { replicator: opts.replicator } : {}),
  });
  const notify = await service.start();
  const registries: Record<string, RegistryService> = {};
  const admin = opts.fed.client();
  for (const env of opts.environments) {
    const r = await startRegistry({
      notifyUrl: `${notify}/notify/${env}`,
      ...(opts.logDir ? { logFile: join(opts.logDir, `${env}.log`) } : {}),
    });
    registries[env] = r;
    await admin.resource(REGISTRIES).create({
      apiVersion: 'registry.flotilla.io/v1alpha1',
      kind: 'Registry',
      metadata: { name: env },
      spec: { url: r.url, environment: env },
    });
  }
  return {
    service,
    registries,
    stop: async () => {
      await service.stop();
      for (const r of Object.values(registries)) await r.stop();
    },
  };
}

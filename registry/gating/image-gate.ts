import type { KubeObject } from '../../machinery/meta.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { REGISTRIES, type Registry } from '../apis/registry-types.js';
import {
  ociClientForRegistry,
  registryCa,
  type RegistryCredentials,
} from '../credentials/registry-clients.js';
import { OciClient } from '../oci/oci-client.js';

/** Thrown when a workload names an image digest that was not promoted to the cluster's environment registry. */
export class ImageNotPromotedError extends Error {
  readonly image: string;
  readonly environment: string;

  constructor(image: string, environment: string) {
    super(`image ${image} has not been promoted to the ${environment} registry`);
    this.name = 'ImageNotPromotedError';
    this.image = image;
    this.environment = environment;
  }
}

type Containers = { image: string }[];

function containersOf(obj: KubeObject): Containers {
  const spec = obj.spec as
    | {
        template?: { spec?: { containers?: Containers; initContainers?: Containers } };
        containers?: Containers;
      }
    | undefined;
  return [
    ...(spec?.template?.spec?.containers ?? spec?.containers ?? []),
    ...(spec?.template?.spec?.initContainers ?? []),
  ];
}

/**
 * The federation's image gate (`imageGate` option of the propagation controller): images that live
 * in one of the known environment registries and are pinned by digest are rewritten to the target
 * cluster's environment registry, and refused (ImageNotPromotedError) when that registry does not
 * have the digest. Clusters without `spec.environment` and images from other registries pass as they are.
 * `credentials` (e.g. a pull identity) are used for registries without `credentialsSecretRef`.
 */
export function createImageGate(
  client: KubeClient,
  credentials?: RegistryCredentials,
): (obj: KubeObject, cluster: { spec: { environment?: string } }) => Promise<KubeObject> {
  return async (obj, cluster) => {
    const env = cluster.spec.environment;
    if (!env) return obj;
    const registries = (await client.resource<Registry>(REGISTRIES).list()).items;
    const target = registries.find((r) => r.spec.environment === env);
    if (!target) return obj;
    const hosts = new Set(registries.map((r) => new URL(r.spec.url).host));
    // the environment registry may require credentials (spec.credentialsSecretRef); its https
    // certificate is verified against its caBundle either way
    let oci: OciClient;
    if (!target.spec.credentialsSecretRef && credentials) {
      const ca = await registryCa(client, target);
      oci = new OciClient({ url: target.spec.url, ...credentials, ...(ca ? { ca } : {}) });
    } else {
      oci = await ociClientForRegistry(client, target);
    }
    const out = structuredClone(obj);
    for (const c of containersOf(out)) {
      const m = /^([^/]+)\/(.+)@(sha256:[a-f0-9]{64})$/.exec(c.image);
      if (!m || !hosts.has(m[1] ?? '')) continue;
      const repo = (m[2] ?? '').replace(/:[^/]+$/, '');
      const digest = m[3] ?? '';
      if ((await oci.headManifest(repo, digest)) !== digest) {
        throw new ImageNotPromotedError(c.image, env);
      }
      c.image = `${oci.host}/${repo}@${digest}`;
    }
    return out;
  };
}

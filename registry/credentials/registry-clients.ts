import type { GroupVersionResource, KubeObject } from '../../machinery/meta.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { NotFoundError } from '../../machinery/errors/index.js';
import { caBundlePem, type Registry } from '../apis/registry-types.js';
import { RegistryCredentialsError } from '../errors/registry-credentials-error.js';
import { OciClient, type OciClientOptions } from '../oci/oci-client.js';

/** Core v1 Secrets, served by the federation API (the area does not import member/ internals). */
const SECRETS: GroupVersionResource = { group: '', version: 'v1', resource: 'secrets' };
const CONFIG_MAPS: GroupVersionResource = { group: '', version: 'v1', resource: 'configmaps' };

/** Credentials for an {@link OciClient}. */
export type RegistryCredentials = Pick<OciClientOptions, 'username' | 'password' | 'token'>;

interface Secret extends KubeObject {
  data?: Record<string, string>;
}

/**
 * The CA (PEM) a Registry's https certificate is verified against: `spec.caBundle`, or the key
 * of the Secret (base64 `data`) or ConfigMap (`data`) that `spec.caBundleRef` names; undefined
 * for neither (the system store). A named object or key that is missing fails the copy rather
 * than falling back to the system store, which would trust a certificate the operator did not mean.
 * @throws RegistryCredentialsError when the referenced object or key is missing.
 */
export async function registryCa(
  client: KubeClient,
  registry: Registry,
): Promise<string | undefined> {
  if (registry.spec.caBundle !== undefined) return caBundlePem(registry.spec.caBundle);
  const ref = registry.spec.caBundleRef;
  if (!ref) return undefined;
  const what = `${ref.kind} ${ref.namespace}/${ref.name}`;
  const key = ref.key ?? 'ca.crt';
  let obj: Secret;
  try {
    obj = await client
      .resource<Secret>(ref.kind === 'Secret' ? SECRETS : CONFIG_MAPS, ref.namespace)
      .get(ref.name);
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new RegistryCredentialsError(
        registry.metadata.name ?? '',
        what,
        'not found (caBundleRef)',
        { cause: err },
      );
    }
    throw err;
  }
  const value = obj.data?.[key];
  if (value === undefined) {
    throw new RegistryCredentialsError(
      registry.metadata.name ?? '',
      what,
      `has no key ${key} (caBundleRef)`,
    );
  }
  return ref.kind === 'Secret' ? decode(value) : value;
}

const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');

/**
 * Reads registry credentials from a Secret's `data` (base64 values, as Kubernetes stores them):
 * `username` + `password` → basic auth (also presented to a bearer-token realm); `token` → a static
 * bearer token; `.dockerconfigjson` → the `auths` entry for `host` (`username`/`password`, `auth`
 * as base64 `user:password`, or `registrytoken`). Undefined when none of them is present.
 */
export function credentialsFromSecret(
  secret: Secret,
  host: string,
): RegistryCredentials | undefined {
  const data = secret.data ?? {};
  if (data.username !== undefined) {
    return { username: decode(data.username), password: decode(data.password ?? '') };
  }
  if (data.token !== undefined) return { token: decode(data.token).trim() };
  const dockerConfig = data['.dockerconfigjson'];
  if (dockerConfig === undefined) return undefined;
  const auths =
    (
      JSON.parse(decode(dockerConfig)) as {
        auths?: Record<
          string,
          { username?: string; password?: string; auth?: string; registrytoken?: string }
        >;
      }
    ).auths ?? {};
  const entry = auths[host] ?? auths[`http://${host}`] ?? auths[`https://${host}`];
  if (!entry) return undefined;
  if (entry.registrytoken !== undefined) return { token: entry.registrytoken };
  if (entry.username !== undefined) {
    return { username: entry.username, password: entry.password ?? '' };
  }
  if (entry.auth !== undefined) {
    const [username = '', ...rest] = decode(entry.auth).split(':');
    return { username, password: rest.join(':') };
  }
  return undefined;
}

/**
 * An {@link OciClient} for a Registry object, trusting its CA ({@link registryCa}), with the
 * credentials of its `spec.credentialsSecretRef` read through the federation client (anonymous
 * without a ref).
 * @throws RegistryCredentialsError when the Secret is missing or has no usable credentials.
 */
export async function ociClientForRegistry(
  client: KubeClient,
  registry: Registry,
  opts: Pick<OciClientOptions, 'userAgent'> = {},
): Promise<OciClient> {
  const ca = await registryCa(client, registry);
  const base: OciClientOptions = { url: registry.spec.url, ...opts, ...(ca ? { ca } : {}) };
  const ref = registry.spec.credentialsSecretRef;
  if (!ref) return new OciClient(base);
  const name = registry.metadata.name ?? '';
  const secretName = `${ref.namespace}/${ref.name}`;
  let secret: Secret;
  try {
    secret = await client.resource<Secret>(SECRETS, ref.namespace).get(ref.name);
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new RegistryCredentialsError(name, secretName, 'not found', { cause: err });
    }
    throw err;
  }
  let creds: RegistryCredentials | undefined;
  try {
    creds = credentialsFromSecret(secret, new URL(registry.spec.url).host);
  } catch (err) {
    throw new RegistryCredentialsError(name, secretName, 'unreadable .dockerconfigjson', {
      cause: err,
    });
  }
  if (!creds) {
    throw new RegistryCredentialsError(
      name,
      secretName,
      'has no username/password, token or .dockerconfigjson entry for the registry',
    );
  }
  return new OciClient({ ...base, ...creds });
}

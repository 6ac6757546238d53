import type { RestClientOptions } from './rest-client.js';

/** The data of a Cluster's credentials Secret (base64 values, like any Secret's `data`). */
export interface ClusterCredentialsData {
  token?: string;
  caData?: string;
  clientCertData?: string;
  clientKeyData?: string;
}

/**
 * The REST client options for a member cluster from its credentials Secret, as `flotilla join`
 * stores them: a bearer `token`, or a client certificate pair (`clientCertData` + `clientKeyData`,
 * kept base64 as in a kubeconfig), and the member's CA (`caData`). Everything that talks to
 * members with the federation's stored credentials (propagation, cleanup, the DNS resolver) builds
 * its client through this one reading.
 */
export function clusterCredentials(
  data: Readonly<ClusterCredentialsData> | undefined,
): Pick<RestClientOptions, 'token' | 'caData' | 'certData' | 'keyData'> {
  const decode = (v: string | undefined): string | undefined =>
    v ? Buffer.from(v, 'base64').toString('utf8') : undefined;
  const token = decode(data?.token);
  const caData = decode(data?.caData);
  const certData = data?.clientCertData;
  const keyData = data?.clientKeyData;
  return {
    ...(token ? { token } : {}),
    ...(caData ? { caData } : {}),
    ...(certData && keyData ? { certData, keyData } : {}),
  };
}

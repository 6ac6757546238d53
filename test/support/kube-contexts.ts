// kubeconfig entries of a federation control plane or a member cluster, for kubeconfigFor: the
// admin (its client certificate) or a user (a client certificate of the plane's CA).
import type { KubeconfigEntry } from '../../machinery/client/kubeconfig.js';
import type { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import type { MemberCluster } from '../../member/cluster/member-cluster.js';

type ApiPlane = FederationControlPlane | MemberCluster;

/** The context `name`: the admin of `plane`. */
export const adminContext = (name: string, plane: ApiPlane): KubeconfigEntry => ({
  name,
  server: plane.url,
  clientCert: plane.adminCert,
  caCert: plane.cert.cert,
});

/** The context `name`: `user` (in `groups`) of `plane`, by a client certificate. */
export const userContext = (
  name: string,
  plane: ApiPlane,
  user: string,
  groups: string[] = [],
): KubeconfigEntry => ({
  name,
  server: plane.url,
  clientCert: plane.auth.clientCert(user, groups),
  caCert: plane.cert.cert,
});

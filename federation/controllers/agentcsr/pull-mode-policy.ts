/**
 * The RBAC of pull mode, to merge into the federation's bootstrap policy
 * (`mergePolicies(federationBootstrapPolicy(), pullModeBootstrapPolicy(FEDERATION_CONTROLLER_USER))`):
 *
 * - bootstrap tokens (`system:bootstrappers`) may only create and read CertificateSigningRequests;
 * - every agent (`system:flotilla:agents`) may create a Cluster (the Cluster type's admission lets
 *   `system:flotilla:agent:<c>` create only Cluster `<c>`, syncMode Pull, no secretRef);
 * - `system:flotilla:agent` holds what an agent does in its execution namespace (Works and their
 *   status, its heartbeat Lease, events); the execution-namespace controller binds it in
 *   `fed-es-<c>` to `system:flotilla:agent:<c>` only, so an agent sees no other cluster's Works;
 * - the controller manager gets Works, Leases, execution namespaces and their RoleBindings, and
 *   approves/signs `flotilla.io/agent-client` CSRs.
 */
import { RBAC_GROUP } from '../../../machinery/rbac/index.js';
import {
  clusterRole,
  clusterRoleBinding,
  groupSubject,
  userSubject,
  type BootstrapPolicy,
} from '../../../machinery/rbac/index.js';
import { AGENTS_GROUP } from '../../apis/index.js';
import { AGENT_SIGNER, BOOTSTRAPPERS_GROUP } from './agent-csr.js';

/** ClusterRole bound per execution namespace to one agent. */
export const AGENT_ROLE = 'system:flotilla:agent';
/** ClusterRole of every agent: register its own Cluster. */
export const AGENT_REGISTRATION_ROLE = 'system:flotilla:agent-registration';
/** ClusterRole of bootstrap tokens: ask for an agent certificate. */
export const AGENT_BOOTSTRAPPER_ROLE = 'system:flotilla:agent-bootstrapper';
/** ClusterRole of the controller manager's pull-mode controllers. */
export const PULL_MODE_CONTROLLER_ROLE = 'system:flotilla:controller:pull-mode';

const READ = ['get', 'list', 'watch'];
const WORK_GROUP = 'work.flotilla.io';
const CERT_GROUP = 'certificates.k8s.io';

/** Pull mode's roles and bindings; `controllerUser` is the controller manager's user name. */
export function pullModeBootstrapPolicy(controllerUser: string): BootstrapPolicy {
  return {
    clusterRoles: [
      clusterRole(AGENT_ROLE, [
        { verbs: [...READ, 'update', 'patch'], apiGroups: [WORK_GROUP], resources: ['works'] },
        { verbs: ['update', 'patch'], apiGroups: [WORK_GROUP], resources: ['works/status'] },
        {
          verbs: [...READ, 'create', 'update', 'patch'],
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
        },
        { verbs: ['create', 'patch', 'update'], apiGroups: [''], resources: ['events'] },
      ]),
      clusterRole(AGENT_REGISTRATION_ROLE, [
        { verbs: ['create'], apiGroups: ['cluster.flotilla.io'], resources: ['clusters'] },
      ]),
      clusterRole(AGENT_BOOTSTRAPPER_ROLE, [
        {
          verbs: ['create', ...READ],
          apiGroups: [CERT_GROUP],
          resources: ['certificatesigningrequests'],
        },
      ]),
      clusterRole(PULL_MODE_CONTROLLER_ROLE, [
        {
          verbs: [...READ, 'create', 'update', 'patch', 'delete'],
          apiGroups: [WORK_GROUP],
          resources: ['works'],
        },
        { verbs: READ, apiGroups: ['coordination.k8s.io'], resources: ['leases'] },
        { verbs: ['delete'], apiGroups: ['coordination.k8s.io'], resources: ['leases'] },
        {
          verbs: [...READ, 'create', 'patch', 'delete'],
          apiGroups: [''],
          resources: ['namespaces'],
        },
        {
          verbs: [...READ, 'create', 'update', 'delete'],
          apiGroups: [RBAC_GROUP],
          resources: ['rolebindings'],
        },
        // binding AGENT_ROLE without holding its rules (Kubernetes' escalation check)
        {
          verbs: ['bind'],
          apiGroups: [RBAC_GROUP],
          resources: ['clusterroles'],
          resourceNames: [AGENT_ROLE],
        },
        { verbs: READ, apiGroups: [CERT_GROUP], resources: ['certificatesigningrequests'] },
        {
          verbs: ['update'],
          apiGroups: [CERT_GROUP],
          resources: ['certificatesigningrequests/approval', 'certificatesigningrequests/status'],
        },
        {
          verbs: ['approve', 'sign'],
          apiGroups: [CERT_GROUP],
          resources: ['signers'],
          resourceNames: [AGENT_SIGNER],
        },
      ]),
    ],
    clusterRoleBindings: [
      clusterRoleBinding(AGENT_REGISTRATION_ROLE, AGENT_REGISTRATION_ROLE, [
        groupSubject(AGENTS_GROUP),
      ]),
      clusterRoleBinding(AGENT_BOOTSTRAPPER_ROLE, AGENT_BOOTSTRAPPER_ROLE, [
        groupSubject(BOOTSTRAPPERS_GROUP),
      ]),
      clusterRoleBinding(PULL_MODE_CONTROLLER_ROLE, PULL_MODE_CONTROLLER_ROLE, [
        userSubject(controllerUser),
      ]),
    ],
    roles: [],
    roleBindings: [],
  };
}

/**
 * The member's component roles (least privilege, after Kubernetes' `system:kube-scheduler`,
 * `system:kube-controller-manager`, `system:node`). Identities: the scheduler runs as
 * `system:kube-scheduler`, the controller manager as `system:kube-controller-manager`, each kubelet
 * as `system:node:<node>` in group `system:nodes`, the cluster DNS as `system:flotilla:cluster-dns`.
 * Today MemberCluster still hands all of them its admin client (`system:masters`); the roles and
 * bindings exist so that a component given its own credentials needs nothing more.
 */
import {
  clusterRole,
  clusterRoleBinding,
  groupSubject,
  userSubject,
  type BootstrapPolicy,
} from '../../federation/machinery/rbac/index.js';

const READ = ['get', 'list', 'watch'];
const EVENTS = { verbs: ['create', 'patch', 'update'], apiGroups: [''], resources: ['events'] };
const LEASES = {
  verbs: [...READ, 'create', 'update'],
  apiGroups: ['coordination.k8s.io'],
  resources: ['leases'],
};

/** Component roles and their bindings for a member API server. */
export function memberBootstrapPolicy(): BootstrapPolicy {
  return {
    clusterRoles: [
      clusterRole('system:kube-scheduler', [
        { verbs: READ, apiGroups: [''], resources: ['pods', 'nodes', 'namespaces', 'services'] },
        { verbs: ['create'], apiGroups: [''], resources: ['pods/binding'] },
        { verbs: ['patch', 'update'], apiGroups: [''], resources: ['pods/status'] },
        { verbs: READ, apiGroups: ['apps'], resources: ['replicasets'] },
        EVENTS,
        LEASES,
      ]),
      clusterRole('system:kube-controller-manager', [
        {
          verbs: [...READ, 'create', 'update', 'patch', 'delete'],
          apiGroups: [''],
          resources: ['pods', 'endpoints', 'services', 'namespaces', 'nodes'],
        },
        {
          verbs: ['update', 'patch'],
          apiGroups: [''],
          resources: ['pods/status', 'nodes/status', 'namespaces/status', 'namespaces/finalize'],
        },
        { verbs: ['create'], apiGroups: [''], resources: ['pods/eviction'] },
        {
          verbs: [...READ, 'create', 'update', 'patch', 'delete'],
          apiGroups: ['apps'],
          resources: ['deployments', 'replicasets', 'deployments/status', 'replicasets/status'],
        },
        EVENTS,
        LEASES,
      ]),
      // the garbage collector and namespace deletion walk every kind (Kubernetes grants the same)
      clusterRole('system:controller:generic-garbage-collector', [
        { verbs: [...READ, 'patch', 'update', 'delete'], apiGroups: ['*'], resources: ['*'] },
      ]),
      clusterRole('system:node', [
        { verbs: [...READ, 'create', 'update', 'patch'], apiGroups: [''], resources: ['nodes'] },
        { verbs: ['update', 'patch'], apiGroups: [''], resources: ['nodes/status'] },
        { verbs: [...READ, 'delete'], apiGroups: [''], resources: ['pods'] },
        { verbs: ['update', 'patch'], apiGroups: [''], resources: ['pods/status'] },
        { verbs: ['get'], apiGroups: [''], resources: ['configmaps', 'secrets', 'services'] },
        EVENTS,
        LEASES,
      ]),
      clusterRole('system:flotilla:cluster-dns', [
        { verbs: READ, apiGroups: [''], resources: ['services', 'endpoints', 'namespaces'] },
      ]),
    ],
    clusterRoleBindings: [
      clusterRoleBinding('system:kube-scheduler', 'system:kube-scheduler', [
        userSubject('system:kube-scheduler'),
      ]),
      clusterRoleBinding('system:kube-controller-manager', 'system:kube-controller-manager', [
        userSubject('system:kube-controller-manager'),
      ]),
      clusterRoleBinding(
        'system:controller:generic-garbage-collector',
        'system:controller:generic-garbage-collector',
        [userSubject('system:kube-controller-manager')],
      ),
      clusterRoleBinding('system:node', 'system:node', [groupSubject('system:nodes')]),
      clusterRoleBinding('system:flotilla:cluster-dns', 'system:flotilla:cluster-dns', [
        userSubject('system:flotilla:cluster-dns'),
      ]),
    ],
    roles: [],
    roleBindings: [],
  };
}

/**
 * The member's component roles (least privilege, after Kubernetes' `system:kube-scheduler`,
 * `system:kube-controller-manager`, `system:node`). Identities: the scheduler runs as
 * `system:kube-scheduler`, the controller manager as `system:kube-controller-manager`, each kubelet
 * as `system:node:<node>` in group `system:nodes`, the cluster DNS as `system:flotilla:cluster-dns`,
 * the service proxy as `system:kube-proxy`.
 * MemberCluster gives each of them a client certificate from the cluster CA with that identity,
 * so these roles are all a component may do; {@link NodeRestriction} narrows kubelets further.
 */
import {
  clusterRole,
  clusterRoleBinding,
  groupSubject,
  userSubject,
  type BootstrapPolicy,
} from '../../machinery/rbac/index.js';

/** User name of the member scheduler. */
export const SCHEDULER_USER = 'system:kube-scheduler';
/** User name of the member controller manager (every controller and its informers). */
export const CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';
/** User name of the cluster DNS server. */
export const CLUSTER_DNS_USER = 'system:flotilla:cluster-dns';
/** User name of the service proxy (`flotilla-service-proxy`, kube-proxy's identity). */
export const KUBE_PROXY_USER = 'system:kube-proxy';
/** Role of the service proxy (Kubernetes' system:node-proxier). */
export const NODE_PROXIER_ROLE = 'system:node-proxier';
/** Group of every kubelet. */
export const NODES_GROUP = 'system:nodes';
/** Prefix of kubelet user names: `system:node:<nodeName>`. */
export const NODE_USER_PREFIX = 'system:node:';
/** Group of every bootstrap token (machinery/auth/bootstrap-token-authenticator). */
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
/** Role of bootstrap tokens: ask for a kubelet client certificate (kubeadm's kubelet-bootstrap). */
export const NODE_BOOTSTRAPPER_ROLE = 'system:node-bootstrapper';
/**
 * User the API server presents to kubelets (`--kubelet-client-certificate`): the kubelet API
 * serves it, and `system:masters`, only.
 */
export const KUBELET_API_CLIENT_USER = 'kube-apiserver-kubelet-client';

const READ = ['get', 'list', 'watch'];
const WRITE = [...READ, 'create', 'update', 'patch', 'delete'];
const CSRS = {
  verbs: ['create', ...READ],
  apiGroups: ['certificates.k8s.io'],
  resources: ['certificatesigningrequests'],
};
/** Approving and signing kubelet CSRs (csrapproving, csrsigning controllers). */
const CSR_CONTROLLER_RULES = [
  { verbs: READ, apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'] },
  {
    verbs: ['update'],
    apiGroups: ['certificates.k8s.io'],
    resources: ['certificatesigningrequests/approval', 'certificatesigningrequests/status'],
  },
  {
    // csrapproving: kubelet client certificates, and kubelet serving certificates for a node's
    // own addresses
    verbs: ['approve'],
    apiGroups: ['certificates.k8s.io'],
    resources: ['signers'],
    resourceNames: ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving'],
  },
  {
    verbs: ['sign'],
    apiGroups: ['certificates.k8s.io'],
    resources: ['signers'],
    resourceNames: ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving'],
  },
];
const EVENTS = { verbs: ['create', 'patch', 'update'], apiGroups: [''], resources: ['events'] };
const LEASES = {
  // kubelets renew their Lease with a merge patch
  verbs: [...READ, 'create', 'update', 'patch'],
  apiGroups: ['coordination.k8s.io'],
  resources: ['leases'],
};

/**
 * Component roles and their bindings for a member API server. admin, edit and view need no rule
 * here: the generic aggregated roles (machinery/rbac defaultBootstrapPolicy) cover every namespaced
 * type served, so policy/v1 poddisruptionbudgets and networking.k8s.io/v1 ingresses reach them as
 * Kubernetes' aggregate-to-* roles grant them; ingressclasses are cluster-scoped and, as in
 * Kubernetes, in none of them.
 */
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
        // nodes: nodelifecycle taints them, nodeipam patches spec.podCIDR(s) (its CIDRNotAvailable
        // goes through EVENTS below)
        {
          verbs: WRITE,
          apiGroups: [''],
          resources: ['pods', 'endpoints', 'services', 'namespaces', 'nodes'],
        },
        {
          verbs: ['update', 'patch'],
          apiGroups: [''],
          resources: ['pods/status', 'nodes/status', 'namespaces/status', 'namespaces/finalize'],
        },
        { verbs: ['create'], apiGroups: [''], resources: ['pods/eviction'] },
        // the namespace controller empties a deleted namespace of every kind (kube's namespace-controller role)
        { verbs: ['get', 'list', 'watch', 'delete'], apiGroups: ['*'], resources: ['*'] },
        {
          verbs: WRITE,
          apiGroups: ['apps'],
          resources: [
            'deployments',
            'replicasets',
            'statefulsets',
            'daemonsets',
            'controllerrevisions',
          ],
        },
        {
          verbs: ['update', 'patch'],
          apiGroups: ['apps'],
          resources: [
            'deployments/status',
            'replicasets/status',
            'statefulsets/status',
            'daemonsets/status',
          ],
        },
        { verbs: WRITE, apiGroups: ['batch'], resources: ['jobs', 'cronjobs'] },
        // the endpointslice and endpointslicemirroring controllers
        { verbs: WRITE, apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] },
        // the resource quota controller: reads everything (above), writes quota status
        {
          verbs: ['update', 'patch'],
          apiGroups: [''],
          resources: ['resourcequotas/status'],
        },
        // the disruption controller: reads budgets (and pods, above), writes their status
        { verbs: READ, apiGroups: ['policy'], resources: ['poddisruptionbudgets'] },
        {
          verbs: ['update', 'patch'],
          apiGroups: ['policy'],
          resources: ['poddisruptionbudgets/status'],
        },
        // the horizontal pod autoscaler controller: reads autoscalers and pod metrics (above),
        // resizes targets through their scale subresource, writes autoscaler status
        {
          verbs: ['get', 'update', 'patch'],
          apiGroups: ['apps'],
          resources: ['deployments/scale', 'replicasets/scale', 'statefulsets/scale'],
        },
        {
          verbs: ['update', 'patch'],
          apiGroups: ['autoscaling'],
          resources: ['horizontalpodautoscalers/status'],
        },
        ...CSR_CONTROLLER_RULES,
        {
          verbs: ['update', 'patch'],
          apiGroups: ['batch'],
          resources: ['jobs/status', 'cronjobs/status'],
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
        // patch: the host-port annotation (NodeRestriction: only pods bound to this node)
        { verbs: [...READ, 'patch', 'delete'], apiGroups: [''], resources: ['pods'] },
        { verbs: ['update', 'patch'], apiGroups: [''], resources: ['pods/status'] },
        { verbs: ['get'], apiGroups: [''], resources: ['configmaps', 'secrets', 'services'] },
        // its serving certificate, and client certificate renewals
        CSRS,
        EVENTS,
        LEASES,
      ]),
      // bootstrap tokens may only ask for (and read back) certificates
      clusterRole(NODE_BOOTSTRAPPER_ROLE, [CSRS]),
      clusterRole('system:flotilla:cluster-dns', [
        { verbs: READ, apiGroups: [''], resources: ['services', 'endpoints', 'namespaces'] },
      ]),
      // the service proxy reads what it serves (Kubernetes' system:node-proxier, plus imports)
      clusterRole(NODE_PROXIER_ROLE, [
        { verbs: READ, apiGroups: [''], resources: ['services', 'endpoints', 'nodes'] },
        { verbs: READ, apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] },
        { verbs: READ, apiGroups: ['multicluster.x-k8s.io'], resources: ['serviceimports'] },
        {
          verbs: ['create', 'patch', 'update'],
          apiGroups: ['', 'events.k8s.io'],
          resources: ['events'],
        },
      ]),
      // kubectl top for view, edit and admin (metrics-server's system:aggregated-metrics-reader)
      clusterRole(
        'system:aggregated-metrics-reader',
        [{ verbs: ['get', 'list'], apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'] }],
        {
          'rbac.authorization.k8s.io/aggregate-to-view': 'true',
          'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
          'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
        },
      ),
      // kubectl exec/attach/cp/port-forward for edit and admin (Kubernetes' aggregate-to-edit)
      clusterRole(
        'system:flotilla:aggregate-to-edit:pod-streams',
        [
          {
            verbs: [...READ, 'create'],
            apiGroups: [''],
            resources: ['pods/attach', 'pods/exec', 'pods/portforward'],
          },
        ],
        { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' },
      ),
    ],
    clusterRoleBindings: [
      clusterRoleBinding('system:kube-scheduler', 'system:kube-scheduler', [
        userSubject(SCHEDULER_USER),
      ]),
      clusterRoleBinding('system:kube-controller-manager', 'system:kube-controller-manager', [
        userSubject(CONTROLLER_MANAGER_USER),
      ]),
      clusterRoleBinding(
        'system:controller:generic-garbage-collector',
        'system:controller:generic-garbage-collector',
        [userSubject(CONTROLLER_MANAGER_USER)],
      ),
      clusterRoleBinding('system:node', 'system:node', [groupSubject(NODES_GROUP)]),
      clusterRoleBinding(NODE_BOOTSTRAPPER_ROLE, NODE_BOOTSTRAPPER_ROLE, [
        groupSubject(BOOTSTRAPPERS_GROUP),
      ]),
      clusterRoleBinding('system:flotilla:cluster-dns', 'system:flotilla:cluster-dns', [
        userSubject(CLUSTER_DNS_USER),
      ]),
      clusterRoleBinding(NODE_PROXIER_ROLE, NODE_PROXIER_ROLE, [userSubject(KUBE_PROXY_USER)]),
    ],
    roles: [],
    roleBindings: [],
  };
}

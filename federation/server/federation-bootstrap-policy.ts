/**
 * The federation's component and operator roles. Identities: the controller manager (all four
 * controllers and their informers) runs as `system:flotilla:federation-controller-manager` with a
 * client certificate from the federation CA, so these bindings are all it may do.
 * `federation-operator` manages clusters, policies, bindings and templates, never Secrets.
 */
import {
  mergePolicies,
  clusterRole,
  clusterRoleBinding,
  groupSubject,
  role,
  roleBinding,
  userSubject,
  type BootstrapPolicy,
} from '../../machinery/rbac/index.js';
import { pullModeBootstrapPolicy } from '../controllers/agentcsr/pull-mode-policy.js';
import { FEDERATION_SYSTEM_NAMESPACE } from '../controllers/cluster-clients.js';

/** User name of the federation controller manager. */
export const FEDERATION_CONTROLLER_USER = 'system:flotilla:federation-controller-manager';
/** Namespace of the controller manager's leader-election Lease. */
export const LEADER_ELECTION_NAMESPACE = 'kube-system';
/**
 * User name the central resolver (flotilla-resolver) signs in as: it reads the Clusters, and the
 * cluster set's ServiceImports and their EndpointSlices, nothing else.
 */
export const RESOLVER_USER = 'system:flotilla:resolver';
/** Every signed-in user may ask for a dashboard login code for itself (`flotilla dashboard`). */
export const DASHBOARD_USER_ROLE = 'system:flotilla:dashboard-user';

const READ = ['get', 'list', 'watch'];
const ALL = [...READ, 'create', 'update', 'patch', 'delete', 'deletecollection'];
/** Verbs of `clusters/proxy` requests: GET get, POST create, PUT update, PATCH patch, DELETE delete. */
const PROXY_VERBS = ['get', 'create', 'update', 'patch', 'delete'];
const MCS_GROUP = 'multicluster.x-k8s.io';
const DISCOVERY_GROUP = 'discovery.k8s.io';
/** Template kinds without Secrets (operators never read credentials). */
const TEMPLATES = [
  { group: '', resources: ['namespaces', 'services', 'configmaps', 'events'] },
  {
    group: 'apps',
    resources: [
      'deployments',
      'deployments/status',
      'deployments/scale',
      'statefulsets',
      'statefulsets/status',
      'statefulsets/scale',
      'daemonsets',
      'daemonsets/status',
    ],
  },
  { group: 'batch', resources: ['jobs', 'jobs/status', 'cronjobs', 'cronjobs/status'] },
  { group: MCS_GROUP, resources: ['serviceexports', 'serviceimports'] },
  { group: DISCOVERY_GROUP, resources: ['endpointslices'] },
];
const POLICY_GROUP = 'policy.flotilla.io';
const CLUSTER_GROUP = 'cluster.flotilla.io';
const WORK_GROUP = 'work.flotilla.io';

/** Roles and bindings for the federation API server. */
export function federationBootstrapPolicy(): BootstrapPolicy {
  return mergePolicies(
    corePolicy(),
    // pull mode: bootstrap tokens, agents and the execution-namespace / agent-csr controllers
    pullModeBootstrapPolicy(FEDERATION_CONTROLLER_USER),
    dashboardPolicy(),
  );
}

/**
 * The dashboard's `POST /dashboard/api/login-codes` (dashboard/server/login-routes.ts): a code
 * carries only the caller's own identity, so any authenticated user may make one.
 */
function dashboardPolicy(): BootstrapPolicy {
  return {
    clusterRoles: [
      clusterRole(DASHBOARD_USER_ROLE, [
        // a non-resource URL's verb is the lower-case HTTP method, as in Kubernetes
        { verbs: ['post'], nonResourceURLs: ['/dashboard/api/login-codes'] },
      ]),
    ],
    clusterRoleBindings: [
      clusterRoleBinding(DASHBOARD_USER_ROLE, DASHBOARD_USER_ROLE, [
        groupSubject('system:authenticated'),
      ]),
    ],
    roles: [],
    roleBindings: [],
  };
}

function corePolicy(): BootstrapPolicy {
  const controller = (name: string): string => `system:flotilla:controller:${name}`;
  return {
    clusterRoles: [
      clusterRole('federation-operator', [
        {
          verbs: ALL,
          apiGroups: [CLUSTER_GROUP],
          resources: ['clusters', 'clusters/status'],
        },
        // the cluster proxy (verbs from the method, as nodes/proxy); members still apply their
        // own RBAC to the operator, whom the federation impersonates there
        {
          verbs: PROXY_VERBS,
          apiGroups: [CLUSTER_GROUP],
          resources: ['clusters/proxy'],
        },
        {
          verbs: ALL,
          apiGroups: [POLICY_GROUP],
          resources: ['propagationpolicies', 'overridepolicies'],
        },
        { verbs: ALL, apiGroups: [WORK_GROUP], resources: ['resourcebindings'] },
        // how the federation interprets a kind's replicas and status (declarative rules, see docs/user-guide.md)
        {
          verbs: ALL,
          apiGroups: ['config.karmada.io'],
          resources: ['resourceinterpretercustomizations'],
        },
        ...TEMPLATES.map((t) => ({ verbs: ALL, apiGroups: [t.group], resources: t.resources })),
        // the Deployments' revision history (`kubectl rollout history/undo`), kept by a controller
        { verbs: READ, apiGroups: ['apps'], resources: ['replicasets'] },
        // platform teams' own kinds; their objects are authorized by their own group/resource
        // (a ClusterRole for that group), as in Kubernetes
        {
          verbs: ALL,
          apiGroups: ['apiextensions.k8s.io'],
          resources: ['customresourcedefinitions'],
        },
      ]),
      clusterRole(controller('cluster-health'), [
        { verbs: READ, apiGroups: [CLUSTER_GROUP], resources: ['clusters'] },
        { verbs: ['update', 'patch'], apiGroups: [CLUSTER_GROUP], resources: ['clusters/status'] },
      ]),
      clusterRole(controller('cluster-cleanup'), [
        {
          verbs: [...READ, 'update', 'patch'],
          apiGroups: [CLUSTER_GROUP],
          resources: ['clusters'],
        },
        { verbs: READ, apiGroups: ['', 'apps', 'batch', MCS_GROUP], resources: ['*'] },
        {
          verbs: READ,
          apiGroups: ['apiextensions.k8s.io'],
          resources: ['customresourcedefinitions'],
        },
      ]),
      clusterRole(controller('propagation'), [
        { verbs: READ, apiGroups: [CLUSTER_GROUP], resources: ['clusters'] },
        { verbs: READ, apiGroups: [POLICY_GROUP], resources: ['*'] },
        { verbs: ALL, apiGroups: [WORK_GROUP], resources: ['resourcebindings'] },
        {
          verbs: [...READ, 'update', 'patch'],
          apiGroups: ['', 'apps'],
          resources: ['namespaces', 'services', 'configmaps', 'secrets', 'deployments'],
        },
        {
          verbs: ['update', 'patch'],
          apiGroups: ['', 'apps'],
          resources: ['deployments/status', 'services/status'],
        },
        {
          verbs: [...READ, 'update', 'patch'],
          apiGroups: [MCS_GROUP],
          resources: ['serviceexports'],
        },
        // CRDs and the custom resources of every group they serve (finalizer, copied status)
        {
          verbs: [...READ, 'update', 'patch'],
          apiGroups: ['apiextensions.k8s.io'],
          resources: ['customresourcedefinitions'],
        },
        { verbs: [...READ, 'update', 'patch'], apiGroups: ['*'], resources: ['*'] },
        { verbs: ['create', 'patch', 'update'], apiGroups: [''], resources: ['events'] },
      ]),
      // multi-cluster services: the cluster set's imports, their IPs and EndpointSlices
      clusterRole(controller('mcs'), [
        { verbs: READ, apiGroups: [CLUSTER_GROUP], resources: ['clusters'] },
        {
          verbs: ALL,
          apiGroups: [MCS_GROUP],
          resources: ['serviceimports', 'serviceimports/status'],
        },
        { verbs: ALL, apiGroups: [DISCOVERY_GROUP], resources: ['endpointslices'] },
        { verbs: ['create', 'patch', 'update'], apiGroups: [''], resources: ['events'] },
        // an import's namespace, when no export came through the federation
        { verbs: ['get', 'create'], apiGroups: [''], resources: ['namespaces'] },
      ]),
      clusterRole(controller('resolver'), [
        { verbs: READ, apiGroups: [CLUSTER_GROUP], resources: ['clusters'] },
        { verbs: READ, apiGroups: [MCS_GROUP], resources: ['serviceimports'] },
        { verbs: READ, apiGroups: [DISCOVERY_GROUP], resources: ['endpointslices'] },
      ]),
      // empties deleted namespaces of every kind, then releases them (kube's namespace-controller)
      clusterRole(controller('namespace'), [
        { verbs: [...READ, 'delete'], apiGroups: ['*'], resources: ['*'] },
        {
          verbs: ['update', 'patch'],
          apiGroups: [''],
          resources: ['namespaces/status', 'namespaces/finalize'],
        },
      ]),
      // the Deployments' revision history: ReplicaSets, and the Deployment's revision annotation
      clusterRole(controller('deployment-history'), [
        { verbs: [...READ, 'patch'], apiGroups: ['apps'], resources: ['deployments'] },
        {
          verbs: [...READ, 'create', 'update', 'patch', 'delete'],
          apiGroups: ['apps'],
          resources: ['replicasets'],
        },
        { verbs: ['create', 'patch', 'update'], apiGroups: [''], resources: ['events'] },
      ]),
      // walks every served kind for orphan / foreground finalizers (as Kubernetes' GC role)
      clusterRole(controller('garbage-collector'), [
        { verbs: [...READ, 'update', 'patch', 'delete'], apiGroups: ['*'], resources: ['*'] },
      ]),
    ],
    clusterRoleBindings: [
      'cluster-health',
      'cluster-cleanup',
      'propagation',
      'garbage-collector',
      'namespace',
      'mcs',
      'deployment-history',
    ]
      .map((c) =>
        clusterRoleBinding(controller(c), controller(c), [userSubject(FEDERATION_CONTROLLER_USER)]),
      )
      .concat([
        clusterRoleBinding(controller('resolver'), controller('resolver'), [
          userSubject(RESOLVER_USER),
        ]),
      ]),
    // member credentials: only the controllers read them, and only in this one namespace
    roles: [
      role(FEDERATION_SYSTEM_NAMESPACE, controller('cluster-credentials'), [
        { verbs: READ, apiGroups: [''], resources: ['secrets'] },
      ]),
      // leader election of the controller manager replicas (kube's system::leader-locking role)
      role(LEADER_ELECTION_NAMESPACE, controller('leader-election'), [
        {
          verbs: [...READ, 'create', 'update'],
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
        },
      ]),
    ],
    roleBindings: [
      roleBinding(
        FEDERATION_SYSTEM_NAMESPACE,
        controller('cluster-credentials'),
        { kind: 'Role', name: controller('cluster-credentials') },
        [userSubject(FEDERATION_CONTROLLER_USER)],
      ),
      roleBinding(
        LEADER_ELECTION_NAMESPACE,
        controller('leader-election'),
        { kind: 'Role', name: controller('leader-election') },
        [userSubject(FEDERATION_CONTROLLER_USER)],
      ),
    ],
  };
}

/**
 * What the propagation controller's image gate (`--enable-promotion-gate`) reads as the controller
 * manager: the Registry objects, and the credential Secrets of `credentialsNamespace` (a
 * Registry's `spec.credentialsSecretRef`). Reconciled by API servers that serve the promotion
 * types. A `spec.caBundleRef` elsewhere needs a Role granted by the operator.
 */
export function imageGatePolicy(credentialsNamespace: string): BootstrapPolicy {
  const name = 'system:flotilla:controller:image-gate';
  const subjects = [userSubject(FEDERATION_CONTROLLER_USER)];
  return {
    clusterRoles: [
      clusterRole(name, [
        { verbs: READ, apiGroups: ['registry.flotilla.io'], resources: ['registries'] },
      ]),
    ],
    clusterRoleBindings: [clusterRoleBinding(name, name, subjects)],
    roles: [
      role(credentialsNamespace, name, [
        { verbs: ['get'], apiGroups: [''], resources: ['secrets', 'configmaps'] },
      ]),
    ],
    roleBindings: [roleBinding(credentialsNamespace, name, { kind: 'Role', name }, subjects)],
  };
}

/** The member API server: kube-apiserver's role for one member cluster. */
export {
  APISERVER_LOOPBACK_USER,
  runMemberApiServer,
  startMemberApiServer,
  SYSTEM_NAMESPACES,
  type MemberApiServerOptions,
  type RunningMemberApiServer,
} from './member-apiserver.js';

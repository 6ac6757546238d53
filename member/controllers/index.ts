/** Member controllers and their registry. */
export {
  memberControllerManager,
  MEMBER_CONTROLLERS,
  type MemberControllersOptions,
} from './controller-registry.js';
export type { ControllerContext } from './controller-context.js';
export type { NodeLifecycleOptions } from './nodelifecycle/node-lifecycle-controller.js';
export type { NodeIpamOptions } from './nodeipam/node-ipam-controller.js';
export { POD_TEMPLATE_HASH, REVISION_ANNOTATION } from './pod-template.js';
export { EventRecorder, type EventRecorderOptions } from './event-recorder.js';
export { CsrApprovingController } from './certificates/csr-approving-controller.js';
export { CsrSigningController } from './certificates/csr-signing-controller.js';

/** The member controller manager: every member controller and the scheduler, leader-elected. */
export {
  CONTROLLER_MANAGER_LEASE,
  runMemberControllerManager,
  type ControllerManagerExit,
  type MemberControllerManagerOptions,
  type MemberLeaderElectionOptions,
} from './member-controller-manager.js';

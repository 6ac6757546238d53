// Vitest setup of every project: the test process refuses TCP connects and UDP sends outside
// 127.0.0.0/8 (machinery/net/loopback-guard.ts), so a test that would dial a ClusterIP range such
// as 10.96.x or a container bridge address fails with the destination named instead.
import { installLoopbackGuard } from '../../machinery/net/loopback-guard.js';

installLoopbackGuard();

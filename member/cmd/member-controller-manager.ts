#!/usr/bin/env node
// Thin entrypoint of flotilla-member-controller-manager (a member cluster's controllers and
// scheduler, leader-elected): argv and signals in, exit code out. Everything else lives in
// run-member-controller-manager.ts.
import { main } from '../../machinery/cmd/run-command.js';
import { memberControllerManagerCommand } from './run-member-controller-manager.js';

await main(memberControllerManagerCommand);

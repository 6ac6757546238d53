#!/usr/bin/env node
// Thin entrypoint of flotilla-promotion-worker: argv and signals in, exit code out (see
// run-promotion-command.ts). The first SIGINT/SIGTERM drains and exits 0; a second one exits 1 at once.
import { mainWith } from '../../machinery/cmd/run-command.js';
import { runPromotionWorkerCommand } from './run-promotion-command.js';

// exits explicitly: a copy abandoned after the shutdown timeout must not keep the process alive
await mainWith(runPromotionWorkerCommand);

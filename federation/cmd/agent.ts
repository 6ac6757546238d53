#!/usr/bin/env node
// Thin entrypoint of `flotilla-agent` (pull mode: beside a member the federation cannot reach):
// argv and signals in, exit code out. Everything else lives in federation/agent/run-agent.ts.
import { mainWith } from '../../machinery/cmd/run-command.js';
import { runAgent } from '../agent/index.js';

await mainWith(runAgent);

#!/usr/bin/env node
// Thin entrypoint of flotilla-kubelet (one node agent joining a member with a bootstrap token):
// argv and signals in, exit code out. Everything else lives in kubelet-run.ts.
import { main } from '../../machinery/cmd/run-command.js';
import { kubeletCommand } from './kubelet-run.js';

await main(kubeletCommand);

#!/usr/bin/env node
// Thin entrypoint of flotilla-member-apiserver (one member cluster's API server on its etcd):
// argv and signals in, exit code out. Everything else lives in run-member-apiserver.ts.
import { main } from '../../machinery/cmd/run-command.js';
import { memberApiServerCommand } from './run-member-apiserver.js';

await main(memberApiServerCommand);

#!/usr/bin/env node
// Thin entrypoint of one member cluster (API server, controllers, scheduler, kubelets):
// argv and signals in, exit code out. Everything else lives in run-member.ts.
import { mainWith } from '../../machinery/cmd/run-command.js';
import { createClusterDns } from '../../dns/index.js';
import { runMember } from './run-member.js';

await mainWith((argv, deps) => runMember(argv, { ...deps, dns: createClusterDns }));

#!/usr/bin/env node
// Thin entrypoint of flotilla-service-proxy (the member's kube-proxy): argv and signals in, exit
// code out. Everything else lives in service-proxy-run.ts and member/proxy/.
import { main } from '../../machinery/cmd/run-command.js';
import { serviceProxyCommand } from './service-proxy-run.js';

await main(serviceProxyCommand);

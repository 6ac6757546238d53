#!/usr/bin/env node
// Thin entrypoint of one federation controller manager replica: argv and signals in, exit code
// out. Everything else lives in run-federation-controller-manager.ts; `--enable-promotion-gate`
// wires the image gate of registry/index.js with a client of the manager's own identity.
import { mainWith } from '../../machinery/cmd/run-command.js';
import { createImageGate } from '../../registry/index.js';
import { runFederationControllerManagerCommand } from './run-federation-controller-manager.js';

await mainWith((argv, deps) =>
  runFederationControllerManagerCommand(argv, {
    ...deps,
    imageGate: (client) => createImageGate(client),
  }),
);

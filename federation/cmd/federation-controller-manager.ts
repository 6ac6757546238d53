#!/usr/bin/env node
// Thin entrypoint of one federation controller manager replica: argv and signals in, exit code
// out. Everything else lives in run-federation-controller-manager.ts; `--enable-promotion-gate`
// wires the image gate of registry/index.js with a client of the manager's own identity.
import { createImageGate } from '../../registry/index.js';
import { runFederationControllerManagerCommand } from './run-federation-controller-manager.js';

const abort = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    abort.abort();
  });
}

const code = await runFederationControllerManagerCommand(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  signal: abort.signal,
  imageGate: (client) => createImageGate(client),
});
// every server, watch and timer is closed by now; exit even if a socket lingers
process.exit(code);

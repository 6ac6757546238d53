#!/usr/bin/env node
// Thin entrypoint of one federation API server replica: argv and signals in, exit code out.
// Everything else lives in run-federation-apiserver.ts; `--enable-promotion` serves the image
// promotion API from registry/index.js.
import type { ResourceType } from '../../machinery/resource-type.js';
import { mergePolicies } from '../../machinery/rbac/index.js';
import {
  approvalHandler,
  promotionRequestType,
  REGISTRY_CREDENTIALS_NAMESPACE,
  registryBootstrapPolicy,
  registryResourceTypes,
} from '../../registry/index.js';
import { imageGatePolicy } from '../server/federation-bootstrap-policy.js';
import { runFederationApiServerCommand } from './run-federation-apiserver.js';

const abort = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    abort.abort();
  });
}

const code = await runFederationApiServerCommand(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  signal: abort.signal,
  promotion: {
    resources: registryResourceTypes,
    subresources: [
      {
        type: promotionRequestType as unknown as ResourceType,
        name: 'approval',
        handler: approvalHandler,
      },
    ],
    // the promotion roles, and what the controller manager's image gate reads
    policy: mergePolicies(
      registryBootstrapPolicy(),
      imageGatePolicy(REGISTRY_CREDENTIALS_NAMESPACE),
    ),
  },
});
// every server, watch and the audit log are closed by now; exit even if a socket lingers
process.exit(code);

#!/usr/bin/env node
// Thin entrypoint of one federation API server replica: argv and signals in, exit code out.
// Everything else lives in run-federation-apiserver.ts; `--enable-promotion` serves the image
// promotion API from registry/index.js. Every server, watch and the audit log are closed when
// the run resolves; mainWith exits even if a socket lingers.
import { mainWith } from '../../machinery/cmd/run-command.js';
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

await mainWith((argv, deps) =>
  runFederationApiServerCommand(argv, {
    ...deps,
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
  }),
);

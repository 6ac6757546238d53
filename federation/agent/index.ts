/** The pull-mode agent (`flotilla-agent`): public surface for binaries and the CLI. */
export { PullAgent, type PullAgentConfig } from './pull-agent.js';
export { runAgent, runAgentWith, clientFromKubeconfig, type RunAgentDeps } from './run-agent.js';
export { resolveOptions, parseDuration, type AgentOptions } from './options.js';
export { validateOptions } from './validate-options.js';
export {
  requestAgentCertificate,
  AgentCertificateError,
  type AgentCertificateRequestOptions,
} from './agent-certificate.js';

/**
 * Files the local set-up writes into its state folder for data at rest and audit: an
 * EncryptionConfiguration with a fresh AES-GCM key (kept across bring-ups so a rotated key file
 * survives), the default audit policy, and the audit log folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataProtectionOptions } from '../../machinery/apiserver/data-protection.js';

/** A new EncryptionConfiguration: Secrets with AES-GCM key `key1`, identity to read old data. */
export function encryptionConfigYaml(keys: { name: string; secret: string }[]): string {
  return `# Encryption at rest for the local federation (kube-apiserver --encryption-provider-config).
# Rotation: put a new key first, restart, rewrite every Secret
#   kubectl get secrets -A -o json | kubectl replace -f -
# then remove the old key.
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - aesgcm:
          keys:
${keys.map((k) => `            - name: ${k.name}\n              secret: ${k.secret}`).join('\n')}
      - identity: {}
`;
}

/**
 * The default audit policy: Secrets at Metadata (never their data), writes of promotion requests
 * (approvals and the worker's status updates included), cluster joins and RBAC with their bodies, other writes at Metadata, reads and
 * probes not at all.
 */
export const DEFAULT_AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: None
    nonResourceURLs: ['/healthz*', '/readyz*', '/livez*', '/version', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*']
  - level: Metadata
    resources: [{group: '', resources: [secrets]}]
  - level: RequestResponse
    verbs: [create, update, patch, delete, deletecollection]
    resources: [{group: registry.flotilla.io, resources: [promotionrequests, promotionrequests/approval, promotionrequests/status]}]
  - level: RequestResponse
    verbs: [create, update, patch, delete, deletecollection]
    resources: [{group: rbac.authorization.k8s.io}, {group: cluster.flotilla.io, resources: [clusters]}]
  - level: Metadata
    resources: [{group: rbac.authorization.k8s.io}, {group: cluster.flotilla.io, resources: [clusters]}]
  - level: None
    verbs: [get, list, watch]
  - level: Metadata
`;

/** Writes the files (keeping an existing key file) and returns the options for `component`. */
export function dataProtectionFiles(state: string, component: string): DataProtectionOptions {
  const encryptionConfig = join(state, 'encryption-config.yaml');
  if (!existsSync(encryptionConfig)) {
    writeFileSync(
      encryptionConfig,
      encryptionConfigYaml([{ name: 'key1', secret: randomBytes(32).toString('base64') }]),
      { mode: 0o600 },
    );
  }
  const auditPolicyFile = join(state, 'audit-policy.yaml');
  if (!existsSync(auditPolicyFile)) writeFileSync(auditPolicyFile, DEFAULT_AUDIT_POLICY);
  mkdirSync(join(state, 'audit'), { recursive: true, mode: 0o700 });
  return {
    encryptionConfig,
    auditPolicyFile,
    auditLogPath: join(state, 'audit', `${component}.log`),
  };
}

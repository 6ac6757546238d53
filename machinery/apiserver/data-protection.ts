import type { EtcdStorageOptions } from '../storage/etcd-storage.js';
import { loadEncryptionConfig } from '../storage/encryption-config.js';
import { FileAuditSink, type AuditOptions } from './audit-log.js';
import { loadAuditPolicy } from './audit-policy.js';

/**
 * Data-at-rest and audit settings shared by the federation and member API servers (the
 * kube-apiserver flags `--encryption-provider-config`, `--etcd-cafile/--etcd-certfile/
 * --etcd-keyfile`, `--audit-policy-file`, `--audit-log-path`).
 */
export interface DataProtectionOptions {
  /** Path of an apiserver.config.k8s.io/v1 EncryptionConfiguration. @defaultValue no encryption */
  encryptionConfig?: string;
  /** etcd client TLS (PEM): CA of etcd's certificate, our client certificate and key. */
  etcdTls?: { ca: string; cert: string; key: string };
  /** Path of an audit.k8s.io/v1 Policy; with `auditLogPath` turns the audit log on. */
  auditPolicyFile?: string;
  /** Where audit events are appended as JSON lines. */
  auditLogPath?: string;
}

/** The EtcdStorage options for encryption and TLS. @throws EncryptionConfigError */
export function protectedStorageOptions(
  o: DataProtectionOptions,
): Pick<EtcdStorageOptions, 'tls' | 'transformer'> {
  return {
    ...(o.etcdTls ? { tls: o.etcdTls } : {}),
    ...(o.encryptionConfig !== undefined
      ? { transformer: loadEncryptionConfig(o.encryptionConfig) }
      : {}),
  };
}

/**
 * The ApiServer audit options, or undefined when auditing is off; the caller closes the sink.
 * @throws AuditPolicyError
 */
export function auditOptions(o: DataProtectionOptions): AuditOptions | undefined {
  if (o.auditPolicyFile === undefined || o.auditLogPath === undefined) return undefined;
  return { policy: loadAuditPolicy(o.auditPolicyFile), sink: new FileAuditSink(o.auditLogPath) };
}

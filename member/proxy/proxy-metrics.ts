/**
 * The service proxy's series, named as kube-proxy's (`kubeproxy_sync_proxy_rules_*`) where it has
 * one, plus counters of the userspace data path (connections, UDP sessions, listener states).
 */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counter, gauge, histogram } from '../../machinery/metrics/metric-factory.js';

/** Metrics of one service proxy (unregistered no-ops without a registry). */
export class ProxyMetrics {
  /** Duration of one sync of the listeners with the caches. */
  readonly syncDuration: Histogram;
  /** When the last sync finished (seconds since the epoch). */
  readonly syncLastTimestamp: Gauge;
  /** Service and ServiceImport events seen. */
  readonly serviceChanges: Counter;
  /** Endpoints and EndpointSlice events seen. */
  readonly endpointChanges: Counter;
  /** Frontends by protocol, kind and state (listening, retrying, standby). */
  readonly frontends: Gauge<'protocol' | 'kind' | 'state'>;
  /** New TCP connections and UDP sessions by result (forwarded, no_endpoint, failed). */
  readonly connections: Counter<'protocol' | 'result'>;
  /** Connects to a backend that failed (the next backend is tried). */
  readonly backendErrors: Counter;
  /** Open UDP sessions. */
  readonly udpSessions: Gauge;

  constructor(registry?: Registry) {
    this.syncDuration = histogram(registry, {
      name: 'kubeproxy_sync_proxy_rules_duration_seconds',
      help: 'SyncProxyRules latency in seconds',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    });
    this.syncLastTimestamp = gauge(registry, {
      name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds',
      help: 'The last time proxy rules were successfully synced',
    });
    this.serviceChanges = counter(registry, {
      name: 'kubeproxy_sync_proxy_rules_service_changes_total',
      help: 'Cumulative proxy rules Service changes',
    });
    this.endpointChanges = counter(registry, {
      name: 'kubeproxy_sync_proxy_rules_endpoint_changes_total',
      help: 'Cumulative proxy rules Endpoint changes',
    });
    this.frontends = gauge(registry, {
      name: 'kubeproxy_frontends',
      help: 'Service frontends (address, port, protocol) by kind and listener state',
      labelNames: ['protocol', 'kind', 'state'],
    });
    this.connections = counter(registry, {
      name: 'kubeproxy_proxied_connections_total',
      help: 'New TCP connections and UDP sessions by result',
      labelNames: ['protocol', 'result'],
    });
    this.backendErrors = counter(registry, {
      name: 'kubeproxy_backend_connect_errors_total',
      help: 'Connects to an endpoint that failed (the next endpoint is tried)',
    });
    this.udpSessions = gauge(registry, {
      name: 'kubeproxy_udp_sessions',
      help: 'Open UDP client sessions',
    });
  }
}

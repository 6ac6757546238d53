#!/usr/bin/env bash
# Prometheus metrics and `kubectl top` in the local federation started by `npm run setup`:
#  1. `kubectl get --raw /metrics` on the federation and on member1: request counters
#     (apiserver_request_total), the API server's own queues (workqueue_depth) and etcd latency
#  2. alice (no nonResourceURLs grant for /metrics) gets 403
#  3. metrics.k8s.io on member1: `kubectl top nodes`, and `kubectl top pods -A` with a demo pod
#  4. the kubelet's own /metrics through the API server (nodes/proxy): pod start latency
#  5. the DNS resolver's /metrics (<state>/resolver-metrics): cache hits rise under repeated dig
#  6. the processes without an API of their own (<state>/metrics-endpoints, plain HTTP on loopback,
#     no credentials): the federation controller manager's queues and propagation latency, a member
#     controller manager's scheduling attempts
#   bash examples/metrics.sh [STATE_DIR]     (STATE_DIR as given to local-up; default .flotilla)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
state=${1:-$root/.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
fail() { echo "error: $*" >&2; exit 1; }
# the value of the first sample of metric $2 in text $1 whose line contains $3 (0 when none)
sample() { grep -E "^$2[{ ]" <<<"$1" | grep -m1 -F -- "${3:-}" | awk '{print $NF}' || true; }

echo "== 1. /metrics of the federation and of member1 (admin)"
for ctx in federation member1; do
  text=$(kubectl --context "$ctx" get --raw /metrics) || fail "$ctx: kubectl get --raw /metrics failed"
  for m in apiserver_request_total workqueue_depth etcd_request_duration_seconds_count; do
    line=$(grep -m1 -E "^$m\{" <<<"$text" || true)
    [ -n "$line" ] || fail "$ctx: no $m in /metrics"
    echo "$ctx: $line"
  done
done

echo "== 2. alice may not read /metrics"
if out=$(kubectl --context federation-alice get --raw /metrics 2>&1); then
  fail "alice read the federation's /metrics"
fi
grep -q Forbidden <<<"$out" || fail "alice: expected Forbidden, got: $out"
echo "alice: $out"

echo "== 3. kubectl top against member1 (metrics.k8s.io from the kubelets' Summary API)"
kubectl --context member1 top nodes || fail "kubectl top nodes failed"
ns=metrics-demo-$$
trap 'kubectl --context member1 delete namespace "$ns" --wait=false >/dev/null 2>&1 || true' EXIT
kubectl --context member1 create namespace "$ns" >/dev/null
# the set-up's image (pushed to its local registry; hollow nodes accept any name), kept running
image=$(cat "$state/image" 2>/dev/null || echo busybox)
kubectl --context member1 -n "$ns" run demo --image="$image" --restart=Never \
  --overrides='{"spec":{"containers":[{"name":"demo","image":"'"$image"'","command":["sleep","3600"],"resources":{"limits":{"cpu":"300m","memory":"128Mi"}}}]}}' >/dev/null
kubectl --context member1 -n "$ns" wait --for=jsonpath='{.status.phase}'=Running pod/demo --timeout=60s >/dev/null ||
  fail "the demo pod did not start"
pods=$(kubectl --context member1 top pods -A) || fail "kubectl top pods -A failed"
echo "$pods"
grep -qE "^$ns +demo +[0-9]+m +[0-9]+Mi" <<<"$pods" || fail "no row for $ns/demo in kubectl top pods -A"

echo "== 4. the kubelet's /metrics through nodes/proxy"
node=$(kubectl --context member1 -n "$ns" get pod demo -o jsonpath='{.spec.nodeName}')
kubelet=$(kubectl --context member1 get --raw "/api/v1/nodes/$node/proxy/metrics") ||
  fail "kubectl get --raw /api/v1/nodes/$node/proxy/metrics failed"
started=$(sample "$kubelet" kubelet_pod_start_duration_seconds_count)
[ "${started:-0}" -ge 1 ] || fail "$node: no pod start observed"
echo "$node: kubelet_pod_start_duration_seconds_count $started"

echo "== 5. the resolver's cache hits under repeated dig"
[ -f "$state/resolver" ] && [ -f "$state/resolver-metrics" ] || fail "no resolver in $state"
resolver=$(cat "$state/resolver")
scrape=http://$(cat "$state/resolver-metrics")/metrics
name=kubernetes.default.svc.member1.flotilla.local
before=$(sample "$(curl -sf "$scrape")" dns_cache_hits_total)
for _ in $(seq 1 10); do
  dig @"${resolver%:*}" -p "${resolver#*:}" +short +time=2 +tries=1 "$name" >/dev/null
done
after=$(sample "$(curl -sf "$scrape")" dns_cache_hits_total)
echo "dns_cache_hits_total: $before -> $after after 10 queries of $name"
[ "$((after - before))" -ge 5 ] || fail "the resolver's cache hits did not rise"

echo "== 6. the controller managers' /metrics (<state>/metrics-endpoints, loopback HTTP)"
[ -f "$state/metrics-endpoints" ] || fail "no $state/metrics-endpoints"
# the URL of process $1 in metrics-endpoints
endpoint() { awk -v p="$1" '$1 == p {print $2}' "$state/metrics-endpoints"; }
# the first line of metric $2 (any labels) scraped from process $1
show() {
  local url text line
  url=$(endpoint "$1")
  [ -n "$url" ] || fail "$1: not in $state/metrics-endpoints"
  text=$(curl -sf "$url") || fail "$1: GET $url failed"
  line=$(grep -m1 -E "^$2[{ ]" <<<"$text" || true)
  [ -n "$line" ] || fail "$1: no $2 at $url"
  echo "$1: $line"
}
# a ConfigMap propagated to member1 gives the federation controller manager a propagation latency
cm=metrics-demo-$$
trap 'kubectl --context member1 delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
  kubectl --context federation delete propagationpolicy,configmap "$cm" >/dev/null 2>&1 || true' EXIT
kubectl --context federation apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: $cm}
data: {demo: metrics}
---
apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata: {name: $cm}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap, name: $cm}]
  placement: {clusterAffinity: {clusterNames: [member1]}}
EOF
deadline=$((SECONDS + 60))
while [ "$SECONDS" -lt "$deadline" ]; do
  kubectl --context member1 get configmap "$cm" >/dev/null 2>&1 && break
  sleep 0.25
done
kubectl --context member1 get configmap "$cm" >/dev/null 2>&1 || fail "configmap/$cm did not reach member1"
fcm=$(awk '$1 ~ /^federation-controller-manager/ {print $1; exit}' "$state/metrics-endpoints")
show "${fcm:-federation-controller-manager}" workqueue_depth
show "${fcm:-federation-controller-manager}" flotilla_propagation_latency_seconds_count
show member1-controller-manager scheduler_schedule_attempts_total
echo "metrics: ok"

#!/usr/bin/env bash
# A member in pull mode (Karmada's agent model), beside the local federation started by
# `npm run setup`: a cluster the federation holds no credentials for and never calls. It gets a
# bootstrap token from the federation's admin; `flotilla register` exchanges it for the agent's
# own certificate (a CertificateSigningRequest the federation approves and signs) and registers the
# Cluster with syncMode Pull; `flotilla-agent` then pulls its Works from the execution namespace
# fed-es-pull1, applies them to the member, reports their status and renews its heartbeat.
# A Deployment propagated to it shows up there and its status comes back; everything is removed
# at the end.
#   bash examples/pull-member.sh [STATE_DIR]     (STATE_DIR as given to local-up; default .flotilla)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${1:-$here/../.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
dist=$here/../dist
name=pull1
dir=$(mktemp -d)
pids=()
fed() { kubectl --context federation "$@"; }
member() { kubectl --kubeconfig "$dir/$name.kubeconfig" "$@"; }
cleanup() {
  fed delete propagationpolicy/pull-demo deployment/pull-demo --ignore-not-found --wait=false >/dev/null 2>&1 || true
  node "$dist/federation/cmd/flotilla.js" --kubeconfig "$KUBECONFIG" unjoin "$name" >/dev/null 2>&1 || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  fed -n kube-system delete secret "bootstrap-token-${id:-none}" --ignore-not-found >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# 1. the member: its own etcd and a whole member cluster (hollow nodes) in one process
etcd_port=$(free_port)
peer_port=$(free_port)
etcd --name "$name" --data-dir "$dir/etcd" --log-level warn \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "$name=http://127.0.0.1:$peer_port" >"$dir/etcd.log" 2>&1 &
pids+=($!)
node "$dist/member/cmd/member.js" --name "$name" --etcd "http://127.0.0.1:$etcd_port" \
  --runtime hollow --nodes 1 --cluster-index 109 --kubeconfig-out "$dir/$name.kubeconfig" >"$dir/member.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  grep -q "nodes $name" "$dir/member.log" 2>/dev/null && break
  sleep 0.5
done
member get nodes

# 2. a bootstrap token at the federation (what an admin hands to whoever runs the member)
id=$(openssl rand -hex 3)
secret=$(openssl rand -hex 8)
fed -n kube-system create secret generic "bootstrap-token-$id" --type bootstrap.kubernetes.io/token \
  --from-literal "token-id=$id" --from-literal "token-secret=$secret" \
  --from-literal usage-bootstrap-authentication=true \
  --from-literal "expiration=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"
server=$(kubectl config view -o jsonpath='{.clusters[?(@.name=="federation")].cluster.server}')
kubectl config view --raw -o jsonpath='{.clusters[?(@.name=="federation")].cluster.certificate-authority-data}' |
  base64 -d >"$dir/federation-ca.crt"

# 3. register (bootstrap token -> agent certificate -> Pull Cluster), then run the agent
node "$dist/federation/cmd/flotilla.js" register "$name" --federation "$server" --token "$id.$secret" \
  --ca-file "$dir/federation-ca.crt" --member-kubeconfig "$dir/$name.kubeconfig" \
  --agent-kubeconfig-out "$dir/agent.kubeconfig"
node "$dist/federation/cmd/agent.js" --kubeconfig "$dir/agent.kubeconfig" --cluster-name "$name" \
  --member-kubeconfig "$dir/$name.kubeconfig" --heartbeat-period 2s >"$dir/agent.log" 2>&1 &
pids+=($!)

# wait_for WHAT JSONPATH WANT (at the federation unless CTX is given as $4)
wait_for() {
  local got=''
  deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if [ "${4:-}" = member ]; then got=$(member get "$1" -o jsonpath="$2" 2>/dev/null || true)
    else got=$(fed get "$1" -o jsonpath="$2" 2>/dev/null || true); fi
    [ "$got" = "$3" ] && return 0
    sleep 0.25
  done
  echo "error: $1 $2 is '$got', wanted '$3' after 60 s" >&2
  tail -20 "$dir/agent.log" >&2
  exit 1
}
wait_for "cluster/$name" '{.status.conditions[?(@.type=="Ready")].status}' True
fed get clusters

# 4. a Deployment for the pull member only: it arrives through a Work, its status comes back
cat <<YAML | fed apply -f -
apiVersion: apps/v1
kind: Deployment
metadata: { name: pull-demo }
spec:
  replicas: 2
  selector: { matchLabels: { app: pull-demo } }
  template:
    metadata: { labels: { app: pull-demo } }
    spec:
      containers: [{ name: main, image: busybox, command: [sleep, '3600'] }]
---
apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata: { name: pull-demo }
spec:
  resourceSelectors: [{ apiVersion: apps/v1, kind: Deployment, name: pull-demo }]
  placement: { clusterAffinity: { clusterNames: [$name] } }
YAML
wait_for deployment/pull-demo '{.spec.replicas}' 2 member
echo "the agent applied it: $(fed -n "fed-es-$name" get works -o name | tr '\n' ' ')"
wait_for deployment/pull-demo '{.status.availableReplicas}' 2
echo "status reported back: $(fed get deployment pull-demo -o jsonpath='{.status.clusters}')"

fed delete propagationpolicy/pull-demo deployment/pull-demo
deadline=$((SECONDS + 30))
while [ "$SECONDS" -lt "$deadline" ]; do
  member get deployment pull-demo >/dev/null 2>&1 || break
  sleep 0.25
done
if member get deployment pull-demo >/dev/null 2>&1; then
  echo "error: pull-demo is still in $name" >&2
  exit 1
fi
echo "deleted at the federation, gone from $name"

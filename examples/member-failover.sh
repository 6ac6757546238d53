#!/usr/bin/env bash
# A member cluster fails on its own and comes back, in the local federation started by
# `npm run setup`: a Deployment divided 2:1 over member1 and member2, then every process of
# member2 (its etcd, API server, controller manager, kubelets, cluster DNS) is killed with
# SIGKILL and held down. The federation marks member2 NotReady and moves its replicas to member1;
# once member2's processes start again it turns Ready and the replicas are divided 2:1 again.
# member1 and the federation keep serving throughout.
#   bash examples/member-failover.sh [STATE_DIR]     (STATE_DIR as given to local-up; default .flotilla)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${1:-$here/../.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
image=$(cat "$state/image")
ctl() { node "$here/../dist/hack/local-ctl.js" --state "$state" "$@"; }
fed() { kubectl --context federation "$@"; }

cat <<YAML | fed apply -f -
apiVersion: apps/v1
kind: Deployment
metadata: { name: failover-demo }
spec:
  replicas: 6
  selector: { matchLabels: { app: failover-demo } }
  template:
    metadata: { labels: { app: failover-demo } }
    spec:
      containers: [{ name: main, image: $image, command: [sleep, '3600'] }]
---
apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata: { name: failover-demo }
spec:
  resourceSelectors: [{ apiVersion: apps/v1, kind: Deployment, name: failover-demo }]
  placement:
    clusterAffinity: { clusterNames: [member1, member2] }
    replicaScheduling:
      replicaSchedulingType: Divided
      weightPreference:
        staticWeightList:
          - { targetCluster: { clusterNames: [member1] }, weight: 2 }
          - { targetCluster: { clusterNames: [member2] }, weight: 1 }
YAML

# wait_for CONTEXT WHAT JSONPATH WANT SECONDS
wait_for() {
  local got=''
  deadline=$((SECONDS + $5))
  while [ "$SECONDS" -lt "$deadline" ]; do
    got=$(kubectl --context "$1" get "$2" -o jsonpath="$3" 2>/dev/null || true)
    [ "$got" = "$4" ] && return 0
    sleep 0.25
  done
  echo "error: $1 $2 $3 is '$got', wanted '$4' after $5 s" >&2
  exit 1
}
replicas() { kubectl --context "$1" get deployment failover-demo -o jsonpath='{.spec.replicas}' 2>/dev/null || echo -; }

wait_for member1 deployment/failover-demo '{.spec.replicas}' 4 60
wait_for member2 deployment/failover-demo '{.spec.replicas}' 2 60
echo "divided: member1 $(replicas member1), member2 $(replicas member2)"

# an object only member2's own store holds: it must survive the crash
kubectl --context member2 create configmap failover-canary --from-literal=written=before-the-crash

echo "killing member2 (SIGKILL, held down):"
ctl stop member2 --signal SIGKILL
start=$(date +%s)
wait_for federation cluster/member2 '{.status.conditions[?(@.type=="Ready")].status}' False 40
echo "member2 NotReady after $(($(date +%s) - start)) s"
wait_for member1 deployment/failover-demo '{.spec.replicas}' 6 60
echo "failed over: member1 $(replicas member1) replicas"

echo "starting member2 again:"
ctl start member2
start=$(date +%s)
wait_for federation cluster/member2 '{.status.conditions[?(@.type=="Ready")].status}' True 60
echo "member2 Ready after $(($(date +%s) - start)) s"
wait_for member1 deployment/failover-demo '{.spec.replicas}' 4 60
wait_for member2 deployment/failover-demo '{.spec.replicas}' 2 60
echo "rebalanced: member1 $(replicas member1), member2 $(replicas member2)"
echo "member2 kept its own data: failover-canary written=$(kubectl --context member2 get configmap failover-canary -o jsonpath='{.data.written}')"
kubectl --context member2 delete configmap failover-canary

fed delete propagationpolicy/failover-demo deployment/failover-demo --wait=false

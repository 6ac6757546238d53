#!/usr/bin/env bash
# A member's HorizontalPodAutoscaler owns the replicas of a federated Deployment, in the local
# federation started by `npm run setup`: the federation propagates Deployment autoscale-demo with
# 1 replica to member1 and member2; `kubectl autoscale --min=3` in member1 scales member1's copy
# to 3, and the federation keeps member1's 3 (Karmada's Retain: an HPA in the member owns
# spec.replicas) while it still applies every other change of the template — a new label reaches
# both members and member1 stays at 3, member2 at the federation's 1.
#   bash examples/autoscale-retain.sh [STATE_DIR]   (STATE_DIR as given to local-up; default .flotilla)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${1:-$here/../.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
image=$(cat "$state/image" 2>/dev/null || echo busybox:1.36)
name=autoscale-demo-$$

cleanup() {
  kubectl --context member1 delete hpa "$name" --ignore-not-found >/dev/null 2>&1 || true
  kubectl --context federation delete deployment/"$name" propagationpolicy/"$name" --ignore-not-found >/dev/null 2>&1 || true
}
trap cleanup EXIT

kubectl --context federation apply -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: $name, labels: {app: $name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: $name}}
  template:
    metadata: {labels: {app: $name}}
    spec: {containers: [{name: c, image: "$image", command: [sleep, "3600"], resources: {requests: {cpu: 10m}}}]}
---
apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata: {name: $name}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: $name}]
  placement: {clusterAffinity: {clusterNames: [member1, member2]}}
EOF

# field CONTEXT JSONPATH: a field of the Deployment there (empty when it is not there yet)
field() { kubectl --context "$1" get deployment "$name" -o "jsonpath=$2" 2>/dev/null || true; }
# wait_for CONTEXT JSONPATH WANT
wait_for() {
  local got=''
  deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    got=$(field "$1" "$2")
    [ "$got" = "$3" ] && return 0
    sleep 0.25
  done
  echo "error: $1 $2 is '$got', wanted '$3' after 60 s" >&2
  exit 1
}

wait_for member1 '{.spec.replicas}' 1
wait_for member2 '{.spec.replicas}' 1
echo "== propagated: 1 replica in member1 and in member2"

echo "== kubectl --context member1 autoscale deployment $name --min=3 --max=5 --cpu-percent=80"
kubectl --context member1 autoscale deployment "$name" --min=3 --max=5 --cpu-percent=80
wait_for member1 '{.spec.replicas}' 3
echo "member1's HPA scaled its copy to 3 (below its minimum)"

echo "== a template change at the federation: label tier=web"
kubectl --context federation label deployment "$name" tier=web
wait_for member1 '{.metadata.labels.tier}' web
wait_for member2 '{.metadata.labels.tier}' web
# a few resyncs of the federation: member1's replicas stay the HPA's
for _ in 1 2 3 4 5 6 7 8 9 10; do
  [ "$(field member1 '{.spec.replicas}')" = 3 ] || { echo "error: the federation overwrote member1's replicas" >&2; exit 1; }
  sleep 1
done
echo "member1: $(field member1 '{.spec.replicas}') replicas (its HPA's), member2: $(field member2 '{.spec.replicas}') (the federation's); the label reached both"
kubectl --context member1 get hpa "$name"

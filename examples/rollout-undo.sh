#!/usr/bin/env bash
# kubectl rollout history / undo at the federation of the local federation started by
# `npm run setup`: creates Deployment rollout-demo in member1 and member2, changes its pod
# template twice (three revisions, each with a change cause), lists the history at the
# federation, undoes to revision 1 and shows revision 1's template back at the federation and in
# both members. The federation keeps the history as 0-replica ReplicaSets of its own, never
# propagated; each member keeps its own.
#   bash examples/rollout-undo.sh [STATE_DIR]     (STATE_DIR as given to local-up; default .flotilla)
# Remove it again with:
#   kubectl --context federation delete deployment/rollout-demo propagationpolicy/rollout-demo
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${1:-$here/../.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
image=$(cat "$state/image")
k() { kubectl --context federation "$@"; }

k apply -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: rollout-demo
  annotations: { kubernetes.io/change-cause: "v1: first release" }
spec:
  replicas: 1
  selector: { matchLabels: { app: rollout-demo } }
  template:
    metadata: { labels: { app: rollout-demo } }
    spec:
      containers:
        - name: app
          image: $image
          command: [sleep, "3600"]
          env: [{ name: VERSION, value: v1 }]
---
apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata: { name: rollout-demo }
spec:
  resourceSelectors: [{ apiVersion: apps/v1, kind: Deployment, name: rollout-demo }]
  placement: { clusterAffinity: { clusterNames: [member1, member2] } }
EOF

# wait_revisions WANT: polls `kubectl rollout history` at the federation until its revisions are WANT
wait_revisions() {
  local got=''
  deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    got=$(k rollout history deployment/rollout-demo | awk 'NR > 2 && $1 != "" { print $1 }' | paste -sd' ')
    [ "$got" = "$1" ] && return 0
    sleep 0.25
  done
  echo "error: revisions '$got', wanted '$1' after 60 s" >&2
  exit 1
}

# version CONTEXT: the VERSION env of rollout-demo's pod template there
version() {
  kubectl --context "$1" get deployment rollout-demo \
    -o jsonpath='{.spec.template.spec.containers[0].env[?(@.name=="VERSION")].value}' 2>/dev/null || true
}

wait_revisions '1'
n=1
for v in v2 v3; do
  # the template first, then its change cause: the annotation goes to the current revision
  k set env deployment/rollout-demo "VERSION=$v"
  k annotate deployment/rollout-demo --overwrite "kubernetes.io/change-cause=$v: set env VERSION=$v"
  # each template recorded before the next (a template replaced at once is never a revision)
  n=$((n + 1))
  wait_revisions "$(seq -s ' ' 1 "$n")"
done
echo "history at the federation:"
k rollout history deployment/rollout-demo

k rollout undo deployment/rollout-demo --to-revision=1
# revision 1's ReplicaSet is the current one again, renumbered 4 (as in Kubernetes)
wait_revisions '2 3 4'
echo "after undo:"
k rollout history deployment/rollout-demo
echo "federation: VERSION=$(version federation)"
for m in member1 member2; do
  got=''
  deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    got=$(version "$m")
    [ "$got" = v1 ] && break
    sleep 0.25
  done
  [ "$got" = v1 ] || { echo "error: $m has VERSION=$got, wanted v1 after 60 s" >&2; exit 1; }
  echo "$m: VERSION=$got"
done
echo "the federation's history ReplicaSets (records only, 0 replicas):"
k get replicasets -l app=rollout-demo

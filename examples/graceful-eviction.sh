#!/usr/bin/env bash
# Graceful eviction in the local federation started by `npm run setup`: a Deployment of 4
# replicas divided over member1 and member2 (2 + 2), then `flotilla taint member2 ...:NoExecute`.
# The federation moves member2's share to member1 but keeps member2's copy (a graceful eviction
# task on the ResourceBinding) until member1 has all 4 replicas ready, then removes it: the
# Deployment never has fewer than 4 ready replicas across the members. Prints what it saw every
# half second and exits 1 if the ready total ever dropped below 4.
#   bash examples/graceful-eviction.sh [STATE_DIR]   (STATE_DIR as given to local-up; default .flotilla)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
state=${1:-$root/.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
flotilla() { "$root/node_modules/.bin/node" "$root/dist/federation/cmd/flotilla.js" --kubeconfig "$KUBECONFIG" --context federation "$@"; }
image=$(cat "$state/image" 2>/dev/null || echo busybox:1.36)
name=evict-demo-$$

cleanup() {
  flotilla taint member2 demo-evict- >/dev/null 2>&1 || true
  kubectl --context federation delete deployment/"$name" propagationpolicy/"$name" --ignore-not-found >/dev/null 2>&1 || true
}
trap cleanup EXIT

kubectl --context federation apply -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: $name, labels: {app: $name}}
spec:
  replicas: 4
  selector: {matchLabels: {app: $name}}
  template:
    metadata: {labels: {app: $name}}
    spec: {containers: [{name: c, image: "$image", command: [sleep, "3600"]}]}
---
apiVersion: policy.flotilla.io/v1alpha1
kind: PropagationPolicy
metadata: {name: $name}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: $name}]
  placement:
    clusterAffinity: {clusterNames: [member1, member2]}
    replicaScheduling: {replicaSchedulingType: Divided, replicaDivisionPreference: Weighted}
EOF

# ready CONTEXT: the Deployment's ready replicas there; "-" when it has no copy
ready() {
  local r
  r=$(kubectl --context "$1" get deployment "$name" -o 'jsonpath={.status.readyReplicas}' 2>/dev/null) || { echo -; return; }
  echo "${r:-0}"
}
tasks() {
  kubectl --context federation get resourcebinding "$name-deployment" \
    -o 'jsonpath={range .spec.gracefulEvictionTasks[*]}{.fromCluster}/{.reason} {end}' 2>/dev/null || true
}

deadline=$((SECONDS + 90))
until [ "$(ready member1)" = 2 ] && [ "$(ready member2)" = 2 ]; do
  [ "$SECONDS" -lt "$deadline" ] || { echo "error: $name is not 2 + 2 ready after 90 s" >&2; exit 1; }
  sleep 0.5
done
echo "== $name: 2 ready in member1, 2 ready in member2"

echo "== flotilla taint member2 demo-evict=now:NoExecute"
flotilla taint member2 demo-evict=now:NoExecute
lowest=4
saw_task=no
deadline=$((SECONDS + 120))
while :; do
  m1=$(ready member1)
  m2=$(ready member2)
  t=$(tasks)
  total=$(( ${m1/-/0} + ${m2/-/0} ))
  [ "$total" -lt "$lowest" ] && lowest=$total
  [ -n "$t" ] && saw_task=yes
  printf 't=%3ss  member1 ready %s  member2 ready %s  eviction tasks: %s\n' "$SECONDS" "$m1" "$m2" "${t:-none}"
  [ "$m1" = 4 ] && [ "$m2" = - ] && [ -z "$t" ] && break
  [ "$SECONDS" -lt "$deadline" ] || { echo "error: not moved to member1 after 120 s" >&2; exit 1; }
  sleep 0.5
done
if [ "$saw_task" != yes ]; then
  echo "error: no graceful eviction task was seen on the binding" >&2
  exit 1
fi
if [ "$lowest" -lt 4 ]; then
  echo "error: the ready replicas dropped to $lowest during the eviction" >&2
  exit 1
fi
echo "== moved: 4 ready in member1, member2's copy removed once they were ready (lowest total: $lowest)"
kubectl --context federation get events --field-selector "involvedObject.name=$name,reason=EvictWorkloadFromClusterSucceeded" \
  -o 'custom-columns=REASON:.reason,MESSAGE:.message' --no-headers

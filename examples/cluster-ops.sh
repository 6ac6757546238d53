#!/usr/bin/env bash
# Cluster operations with the flotilla CLI in the local federation started by `npm run setup`:
#  1. `flotilla top clusters`: requested/allocatable CPU, memory and pods of each member
#  2. `flotilla cordon member2`, then a NEW Deployment divided over member1 and member2 → all of
#     its replicas land in member1 (a cordoned cluster takes no new placements)
#  3. `flotilla uncordon member2` → the Deployment is spread over both members again
#  4. `flotilla token create --print-register-command`: the command a pull-mode member runs to
#     register (the token is deleted again at the end)
#   bash examples/cluster-ops.sh [STATE_DIR]     (STATE_DIR as given to local-up; default .flotilla)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
state=${1:-$root/.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
flotilla() { "$root/node_modules/.bin/node" "$root/dist/federation/cmd/flotilla.js" --kubeconfig "$KUBECONFIG" --context federation "$@"; }
image=$(cat "$state/image" 2>/dev/null || echo busybox:1.36)
name=ops-demo-$$

cleanup() {
  flotilla uncordon member2 >/dev/null 2>&1 || true
  flotilla delete deployment "$name" >/dev/null 2>&1 || true
  flotilla delete propagationpolicy "$name" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# CLUSTERS column of `flotilla get deployments NAME` (e.g. member1(4)), once the binding says so
placement() { flotilla get deployments "$name" | awk 'NR == 2 { print $3 }'; }
wait_placement() {
  local want=$1 got=""
  deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    got=$(placement)
    [ "$got" = "$want" ] && return 0
    sleep 0.25
  done
  echo "error: $name is placed on ${got:-nothing}, expected $want after 60 s" >&2
  exit 1
}

echo "== top clusters"
flotilla top clusters

echo "== cordon member2"
flotilla cordon member2

echo "== a new Deployment divided over member1 and member2"
flotilla apply -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: $name, labels: {app: $name}}
spec:
  replicas: 4
  selector: {matchLabels: {app: $name}}
  template:
    metadata: {labels: {app: $name}}
    spec: {containers: [{name: c, image: "$image"}]}
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
wait_placement 'member1(4)'
sleep 3
if kubectl --context member2 get deployment "$name" >/dev/null 2>&1; then
  echo "error: $name reached the cordoned member2" >&2
  exit 1
fi
echo "$name avoids the cordoned member2: $(placement)"

echo "== uncordon member2"
flotilla uncordon member2
wait_placement 'member1(2),member2(2)'
echo "$name is spread again: $(placement)"

echo "== top clusters"
flotilla top clusters

echo "== a bootstrap token for a pull-mode member"
register=$(flotilla token create --ttl 10m --print-register-command)
echo "$register"
token=$(echo "$register" | sed -n 's/.* --token \([a-z0-9]\{6\}\)\.[a-z0-9]\{16\} .*/\1/p')
[ -n "$token" ] || { echo "error: no token in the register command" >&2; exit 1; }
flotilla token list
flotilla token delete "$token"
echo "cluster operations done"

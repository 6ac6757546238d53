#!/usr/bin/env bash
# ResourceQuota and PriorityClass in a member of the local federation started by `npm run setup`,
# with kubectl's typed commands as on any cluster: in a namespace of its own, a quota of 2 pods and
# 200m of CPU requests; two pods fit, a third is refused with kubectl's `exceeded quota` error and
# a pod without a CPU request with `must specify`; a PriorityClass gives its pods their priority.
#   bash examples/quota-priority.sh [STATE_DIR]   (STATE_DIR as given to local-up; default .flotilla)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${1:-$here/../.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
image=$(cat "$state/image" 2>/dev/null || echo busybox:1.36)
ns=quota-demo-$$
class=demo-high-$$
k() { kubectl --context member1 "$@"; }

cleanup() {
  k delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
  k delete priorityclass "$class" --ignore-not-found >/dev/null 2>&1 || true
}
trap cleanup EXIT

k create namespace "$ns"
k create quota pods-and-cpu -n "$ns" --hard=pods=2,requests.cpu=200m
k create priorityclass "$class" --value=1000 --description="demo: scheduled first"

# pod NAME [CPU]: a sleeping pod of the class, with a CPU request when CPU is given
pod() {
  local requests=''
  [ -n "${2:-}" ] && requests="resources: {requests: {cpu: $2}}"
  k apply -n "$ns" -f - <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  priorityClassName: $class
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: "$image", command: [sleep, "3600"], $requests}]
EOF
}

pod first 100m
pod second 100m
echo "== two pods fit; their priority comes from $class"
k get pods -n "$ns" -o 'custom-columns=NAME:.metadata.name,CLASS:.spec.priorityClassName,PRIORITY:.spec.priority'

echo "== a third pod is beyond the quota"
if out=$(pod third 100m 2>&1); then
  echo "error: a third pod was admitted beyond pods=2" >&2
  exit 1
fi
echo "$out"
echo "$out" | grep -q 'exceeded quota: pods-and-cpu' || { echo "error: not an exceeded-quota error" >&2; exit 1; }

echo "== a pod without a CPU request, in a namespace whose quota limits requests.cpu"
k delete pod second -n "$ns" --wait=true >/dev/null
if out=$(pod no-request 2>&1); then
  echo "error: a pod without a CPU request was admitted" >&2
  exit 1
fi
echo "$out"
echo "$out" | grep -q 'must specify requests.cpu' || { echo "error: not a must-specify error" >&2; exit 1; }

deadline=$((SECONDS + 30))
until k get quota pods-and-cpu -n "$ns" -o 'jsonpath={.status.used.pods}' | grep -qx 1; do
  [ "$SECONDS" -lt "$deadline" ] || { echo "error: the quota's used pods did not come back to 1" >&2; exit 1; }
  sleep 0.25
done
k describe quota pods-and-cpu -n "$ns"

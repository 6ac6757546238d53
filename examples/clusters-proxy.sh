#!/usr/bin/env bash
# Reading and operating member clusters through the federation's cluster proxy, in the local
# federation started by `npm run setup` (every request goes to the federation API server, which
# authorizes `clusters/proxy` and forwards it to the member impersonating the caller):
#  1. a pod in member1 and one in member2 (created in the members directly)
#  2. `flotilla get pods --clusters member1,member2 -A`: one table, CLUSTER column first
#  3. `flotilla logs POD -C member1`
#  4. `flotilla exec POD -C member1 -- ...` (WebSocket, v5.channel.k8s.io) and its exit code
#  5. `kubectl get --raw /apis/cluster.flotilla.io/v1alpha1/clusters/member1/proxy/version`
# The pods are deleted at the end.
#   bash examples/clusters-proxy.sh [STATE_DIR]     (STATE_DIR as given to local-up; default .flotilla)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
state=${1:-$root/.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
flotilla() { "$root/node_modules/.bin/node" "$root/dist/federation/cmd/flotilla.js" --kubeconfig "$KUBECONFIG" --context federation "$@"; }
image=$(cat "$state/image" 2>/dev/null || echo busybox:1.36)
pod=proxy-demo-$$

cleanup() {
  for m in member1 member2; do
    kubectl --context "$m" delete pod "$pod" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

echo "== a pod in each member"
for m in member1 member2; do
  cat <<YAML | kubectl --context "$m" apply -f - >/dev/null
apiVersion: v1
kind: Pod
metadata: { name: $pod, labels: { app: proxy-demo } }
spec:
  containers:
    - name: main
      image: $image
      command: [sh, -c, 'echo started; trap "exit 0" TERM; sleep 3600 & wait']
YAML
done
for m in member1 member2; do
  phase=''
  deadline=$((SECONDS + 90))
  while [ "$SECONDS" -lt "$deadline" ]; do
    phase=$(kubectl --context "$m" get pod "$pod" -o jsonpath='{.status.phase}' 2>/dev/null || true)
    [ "$phase" = Running ] && break
    sleep 0.25
  done
  [ "$phase" = Running ] || { echo "error: pod $pod in $m is '$phase' after 90 s" >&2; exit 1; }
done

echo "== flotilla get pods --clusters member1,member2 -A -l app=proxy-demo"
out=$(flotilla get pods --clusters member1,member2 -A -l app=proxy-demo)
echo "$out"
for m in member1 member2; do
  echo "$out" | grep -Eq "^$m +default +$pod " || { echo "error: $m's pod is missing from the table" >&2; exit 1; }
done

echo "== flotilla logs $pod -C member1"
flotilla logs "$pod" -C member1

echo "== flotilla exec $pod -C member1 -- echo hello from member1"
out=$(flotilla exec "$pod" -C member1 -- echo hello from member1)
echo "$out"
case "$out" in
  *"hello from member1"*) ;;
  *) echo "error: exec printed '$out'" >&2; exit 1 ;;
esac

echo "== flotilla exec $pod -C member2 -- sh -c 'exit 3'"
code=0
flotilla exec "$pod" -C member2 -- sh -c 'exit 3' >/dev/null || code=$?
echo "exit code $code"
[ "$code" = 3 ] || { echo "error: exec exited $code, expected 3" >&2; exit 1; }

echo "== kubectl get --raw /apis/cluster.flotilla.io/v1alpha1/clusters/member1/proxy/version"
kubectl --context federation get --raw /apis/cluster.flotilla.io/v1alpha1/clusters/member1/proxy/version
echo
echo "cluster proxy demo done"

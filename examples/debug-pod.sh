#!/usr/bin/env bash
# kubectl debug against member1 of the local federation started by `npm run setup`, as against a
# real cluster: an ephemeral container added to a running pod through pods/ephemeralcontainers
# (started by the kubelet in the target container's PID and network namespaces, so `ps` shows the
# target's processes; its output read back with kubectl logs -c), kubectl debug -i with stdin, a
# copy of the pod (--copy-to) and a debugging pod on a node (node/<name>, hostNetwork). Prints one
# "ok:" line per check (and "FAIL:" lines, exit 1, when one fails); the pods are deleted at the end.
#   bash examples/debug-pod.sh [STATE_DIR]     (STATE_DIR as given to local-up; default .flotilla)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${1:-$here/../.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
image=$(cat "$state/image")
runtime=$(cat "$state/runtime" 2>/dev/null || echo docker)
pod=debug-demo
k() { kubectl --context member1 "$@"; }
# the image is local to the member's dockerd: never pull it
dbg() { k debug --image="$image" --image-pull-policy=IfNotPresent "$@"; }
node_pod=''
failed=0
cleanup() {
  k delete pod "$pod" "$pod-copy" $node_pod --ignore-not-found --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT
ok() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*"
  failed=1
}
# waits until `jsonpath` of pod $1 prints a non-empty value; prints it
wait_for() {
  local v=''
  deadline=$((SECONDS + 90))
  while [ "$SECONDS" -lt "$deadline" ]; do
    v=$(k get pod "$1" -o jsonpath="$2" 2>/dev/null || true)
    [ -n "$v" ] && break
    sleep 0.25
  done
  echo "$v"
}

# 1. a pod whose process the debug container should see: `sleep 31337`
cat <<YAML | k apply -f - >/dev/null
apiVersion: v1
kind: Pod
metadata: { name: $pod }
spec:
  containers:
    - name: main
      image: $image
      imagePullPolicy: IfNotPresent
      command: [/bin/busybox, sleep, '31337']
YAML
phase=$(wait_for "$pod" '{.status.containerStatuses[0].state.running.startedAt}')
[ -n "$phase" ] || { echo "error: pod $pod is not running after 90 s" >&2; exit 1; }
echo "pod $pod is running on $(k get pod "$pod" -o jsonpath='{.spec.nodeName}') ($runtime runtime)"

# 2. an ephemeral container targeting `main`, then its output through kubectl logs
dbg "pod/$pod" --target=main --attach=false -c debugger -- sh -c 'echo hi; ps' >/dev/null 2>&1
if [ "$runtime" = hollow ]; then
  # hollow containers run nothing: the kubelet reports the ephemeral container running
  st=$(wait_for "$pod" '{.status.ephemeralContainerStatuses[0].state.running.startedAt}')
  [ -n "$st" ] && ok "kubectl debug (hollow): ephemeral container debugger running since $st" ||
    fail "kubectl debug (hollow): no status for the ephemeral container"
  [ "$failed" = 0 ] && echo "all checks passed" || exit 1
  exit 0
fi
code=$(wait_for "$pod" '{.status.ephemeralContainerStatuses[0].state.terminated.exitCode}')
out=$(k logs "$pod" -c debugger)
if [ "$code" = 0 ] && [ "$(echo "$out" | head -n1)" = hi ] && [[ "$out" == *"sleep 31337"* ]]; then
  ok "kubectl debug --target=main: logs say '$(echo "$out" | head -n1)', ps shows the target's 'sleep 31337'"
else
  fail "kubectl debug --target=main: exit code '$code', logs '$out'"
fi

# 3. kubectl debug -i: stdin reaches the ephemeral container (kubectl attaches to it)
out=$(echo hello | dbg -i "pod/$pod" --target=main -c interactive -- sh -c 'read x; echo "got $x"' 2>/dev/null || true)
[[ "$out" == *"got hello"* ]] && ok "kubectl debug -i: $(echo "$out" | grep 'got hello')" ||
  fail "kubectl debug -i printed '$out'"

# 4. --copy-to: a copy of the pod with the debug container as one more container
dbg "$pod" --copy-to="$pod-copy" --attach=false -c dbg -- sleep 3600 >/dev/null 2>&1
names=$(k get pod "$pod-copy" -o jsonpath='{.spec.containers[*].name}' 2>/dev/null || true)
[ "$names" = "main dbg" ] && ok "kubectl debug --copy-to: pod $pod-copy with containers '$names'" ||
  fail "kubectl debug --copy-to: containers '$names'"

# 5. node/<name>: a hostNetwork pod on that node
node=$(k get pod "$pod" -o jsonpath='{.spec.nodeName}')
msg=$(dbg "node/$node" --attach=false -- sh -c 'echo from the node' 2>&1 || true)
node_pod=$(echo "$msg" | sed -n 's/.*pod \(node-debugger-[^ ]*\) .*/\1/p' | head -n1)
if [ -z "$node_pod" ]; then
  fail "kubectl debug node/$node: $msg"
else
  phase=''
  deadline=$((SECONDS + 90))
  while [ "$SECONDS" -lt "$deadline" ]; do
    phase=$(k get pod "$node_pod" -o jsonpath='{.status.phase}' 2>/dev/null || true)
    [ "$phase" = Succeeded ] || [ "$phase" = Failed ] && break
    sleep 0.25
  done
  ip=$(k get pod "$node_pod" -o jsonpath='{.status.podIP}')
  hostip=$(k get pod "$node_pod" -o jsonpath='{.status.hostIP}')
  out=$(k logs "$node_pod" 2>/dev/null || true)
  if [ "$phase" = Succeeded ] && [ "$ip" = "$hostip" ] && [ "$out" = "from the node" ]; then
    ok "kubectl debug node/$node: pod $node_pod on the node's address $ip said '$out'"
  else
    fail "kubectl debug node/$node: pod $node_pod is '$phase', address $ip (node $hostip), logs '$out'"
  fi
fi

[ "$failed" = 0 ] && echo "all checks passed" || exit 1

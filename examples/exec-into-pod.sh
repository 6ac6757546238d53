#!/usr/bin/env bash
# kubectl exec, cp, attach and port-forward into a pod of member1 of the local federation started
# by `npm run setup`, as against a real cluster: the member API server checks pods/exec,
# pods/attach and pods/portforward (RBAC), then proxies the WebSocket upgrade to the kubelet's own
# HTTPS API on the pod's node, which runs the command in the container (Docker) or connects to the
# pod's port as published on the node's 127.x address. Prints one "ok:" line per check (and
# "FAIL:" lines, exit 1, when one fails); the pod is deleted at the end.
#   bash examples/exec-into-pod.sh [STATE_DIR]     (STATE_DIR as given to local-up; default .flotilla)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${1:-$here/../.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
image=$(cat "$state/image")
runtime=$(cat "$state/runtime" 2>/dev/null || echo docker)
pod=exec-demo
k() { kubectl --context member1 "$@"; }
dir=$(mktemp -d)
pf_pid=''
failed=0
cleanup() {
  [ -n "$pf_pid" ] && kill "$pf_pid" 2>/dev/null && wait "$pf_pid" 2>/dev/null || true
  k delete pod "$pod" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
ok() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*"
  failed=1
}

# 1. a busybox pod serving /www on 8080 (declared, so the kubelet publishes it on the pod address)
# busybox has tar, which kubectl cp runs; the image only lacks the link
cat <<YAML | k apply -f - >/dev/null
apiVersion: v1
kind: Pod
metadata: { name: $pod }
spec:
  containers:
    - name: main
      image: $image
      command: [/bin/busybox, sh, -c, '/bin/busybox ln -sf busybox /bin/tar; echo started; trap "exit 0" TERM; httpd -f -p 8080 -h /www & wait']
      ports: [{ containerPort: 8080 }]
YAML
phase=''
deadline=$((SECONDS + 90))
while [ "$SECONDS" -lt "$deadline" ]; do
  phase=$(k get pod "$pod" -o jsonpath='{.status.phase}' 2>/dev/null || true)
  [ "$phase" = Running ] && break
  sleep 0.25
done
[ "$phase" = Running ] || { echo "error: pod $pod is '$phase' after 90 s" >&2; exit 1; }
echo "pod $pod is running on $(k get pod "$pod" -o jsonpath='{.spec.nodeName}') ($runtime runtime)"

if [ "$runtime" = hollow ]; then
  # hollow containers run nothing: exec answers with the command line
  out=$(k exec "$pod" -- echo hi)
  [ "$out" = "echo hi" ] && ok "kubectl exec (hollow): $out" || fail "kubectl exec (hollow) printed '$out'"
  [ "$failed" = 0 ] && echo "all checks passed" || exit 1
  exit 0
fi

# 2. kubectl exec: stdout, stderr and the exit code
set +e
out=$(k exec "$pod" -- sh -c 'echo hi; echo err >&2; exit 3' 2>"$dir/stderr")
code=$?
set -e
err=$(cat "$dir/stderr")
if [ "$out" = hi ] && [ "$code" = 3 ] && [[ "$err" == *err* ]]; then
  ok "kubectl exec: stdout '$out', stderr '$(head -n1 "$dir/stderr")', exit code $code"
else
  fail "kubectl exec: stdout '$out', stderr '$err', exit code $code (wanted hi, err, 3)"
fi

# 3. kubectl exec -i: stdin
out=$(printf 'one\ntwo\n' | k exec -i "$pod" -- cat)
[ "$out" = "$(printf 'one\ntwo')" ] && ok "kubectl exec -i cat: $(echo "$out" | tr '\n' ' ')" ||
  fail "kubectl exec -i cat printed '$out'"

# 4. kubectl cp: a file in, read in the pod, and back out
echo "copied at $(date -u +%FT%TZ)" >"$dir/in.txt"
k cp "$dir/in.txt" "$pod:/www/copied.txt" >/dev/null
k cp "$pod:/www/copied.txt" "$dir/back.txt" >/dev/null 2>&1
if cmp -s "$dir/in.txt" "$dir/back.txt"; then
  ok "kubectl cp into the pod and back: $(cat "$dir/back.txt")"
else
  fail "kubectl cp: the file came back different"
fi

# 5. kubectl attach: the container's output from now on (httpd is quiet: attach until the stream
#    is upgraded, then leave; 5 s at most)
kubectl --context member1 attach "$pod" -v=6 >/dev/null 2>"$dir/attach.err" &
attach_pid=$!
attached=''
deadline=$((SECONDS + 5))
while [ "$SECONDS" -lt "$deadline" ]; do
  grep -q '101 Switching Protocols' "$dir/attach.err" && { attached=yes; break; }
  kill -0 "$attach_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$attached" ] && kill -0 "$attach_pid" 2>/dev/null; then attached=yes; fi
kill "$attach_pid" 2>/dev/null || true
wait "$attach_pid" 2>/dev/null || true
if [ -n "$attached" ]; then
  ok "kubectl attach connected"
else
  fail "kubectl attach: $(grep -v '^I[0-9]' "$dir/attach.err")"
fi

# 6. kubectl port-forward: a local port to the pod's 8080, then HTTP through it
k port-forward "pod/$pod" 0:8080 >"$dir/pf.out" 2>"$dir/pf.err" &
pf_pid=$!
port=''
for _ in $(seq 1 50); do
  port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$dir/pf.out" | head -n1)
  [ -n "$port" ] && break
  sleep 0.2
done
if [ -z "$port" ]; then
  fail "kubectl port-forward did not start: $(cat "$dir/pf.err")"
else
  body=$(curl -fsS "http://127.0.0.1:$port/copied.txt" || true)
  [ "$body" = "$(cat "$dir/in.txt")" ] && ok "kubectl port-forward :$port -> 8080, curl: $body" ||
    fail "curl through port-forward :$port got '$body' ($(cat "$dir/pf.err"))"
fi

[ "$failed" = 0 ] && echo "all checks passed" || exit 1

#!/usr/bin/env bash
# Joins one more node to member1 of the local federation started by `npm run setup`, the way a
# kubelet joins a real cluster: a bootstrap token (a Secret in kube-system) in a bootstrap
# kubeconfig, `flotilla-kubelet` started by hand, its client certificate obtained through a
# CertificateSigningRequest that the controller manager approves and signs, then a Node that turns
# Ready. A pod placed on that node runs, and `kubectl logs` reaches it through the member API
# server, which proxies to the kubelet's own HTTPS API. Everything is removed at the end.
#   bash examples/join-kubelet.sh [STATE_DIR]     (STATE_DIR as given to local-up; default .flotilla)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${1:-$here/../.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
image=$(cat "$state/image")
runtime=$(cat "$state/runtime")
node_name=member1-extra
node_ip=127.0.101.200
k() { kubectl --context member1 "$@"; }
dir=$(mktemp -d)
kubelet_pid=''
cleanup() {
  [ -n "$kubelet_pid" ] && kill "$kubelet_pid" 2>/dev/null && wait "$kubelet_pid" 2>/dev/null || true
  k delete pod hello-extra --ignore-not-found --wait=false >/dev/null 2>&1 || true
  k delete node "$node_name" --ignore-not-found >/dev/null 2>&1 || true
  k -n kube-system delete secret "bootstrap-token-${id:-none}" --ignore-not-found >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

# 1. a bootstrap token: <id>.<secret>, valid for one hour
id=$(openssl rand -hex 3)
secret=$(openssl rand -hex 8)
k -n kube-system create secret generic "bootstrap-token-$id" --type bootstrap.kubernetes.io/token \
  --from-literal "token-id=$id" --from-literal "token-secret=$secret" \
  --from-literal usage-bootstrap-authentication=true \
  --from-literal "expiration=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"

# 2. the bootstrap kubeconfig: member1's address and CA, and the token
server=$(kubectl config view -o jsonpath='{.clusters[?(@.name=="member1")].cluster.server}')
kubectl config view --raw -o jsonpath='{.clusters[?(@.name=="member1")].cluster.certificate-authority-data}' |
  base64 -d >"$dir/ca.crt"
bk="$dir/bootstrap.kubeconfig"
kubectl --kubeconfig "$bk" config set-cluster member1 --server "$server" \
  --certificate-authority "$dir/ca.crt" --embed-certs >/dev/null
kubectl --kubeconfig "$bk" config set-credentials kubelet-bootstrap --token "$id.$secret" >/dev/null
kubectl --kubeconfig "$bk" config set-context bootstrap --cluster member1 --user kubelet-bootstrap >/dev/null
kubectl --kubeconfig "$bk" config use-context bootstrap >/dev/null

# 3. the kubelet, by hand (its API on a free port of the node address)
echo "starting flotilla-kubelet $node_name on $node_ip ($runtime)"
node "$here/../dist/member/cmd/kubelet.js" --bootstrap-kubeconfig "$bk" \
  --kubeconfig "$dir/kubelet.kubeconfig" --cert-dir "$dir/pki" \
  --node-name "$node_name" --node-ip "$node_ip" --port 0 --runtime "$runtime" \
  --cluster-id "$(k get namespace kube-system -o jsonpath='{.metadata.uid}')" >"$dir/kubelet.log" 2>&1 &
kubelet_pid=$!

# wait_for WHAT JSONPATH WANT
wait_for() {
  local got=''
  deadline=$((SECONDS + 90))
  while [ "$SECONDS" -lt "$deadline" ]; do
    got=$(k get "$1" -o jsonpath="$2" 2>/dev/null || true)
    [ "$got" = "$3" ] && return 0
    kill -0 "$kubelet_pid" 2>/dev/null || { cat "$dir/kubelet.log" >&2; echo "error: the kubelet exited" >&2; exit 1; }
    sleep 0.25
  done
  echo "error: $1 $2 is '$got', wanted '$3' after 90 s" >&2
  cat "$dir/kubelet.log" >&2
  exit 1
}
wait_for "node/$node_name" '{.status.conditions[?(@.type=="Ready")].status}' True
echo "node $node_name is Ready; its certificates came from these requests:"
k get csr -o custom-columns=NAME:.metadata.name,SIGNER:.spec.signerName,REQUESTOR:.spec.username,CONDITION:.status.conditions[0].type |
  grep -E "NAME|system:node:$node_name|system:bootstrap:$id"

# 4. a pod on that node, and its log through the member API server
cat <<YAML | k apply -f -
apiVersion: v1
kind: Pod
metadata: { name: hello-extra }
spec:
  nodeName: $node_name
  containers:
    - name: main
      image: $image
      command: [sh, -c, 'echo hello from the node that joined by hand; sleep 3600']
YAML
wait_for pod/hello-extra '{.status.phase}' Running
deadline=$((SECONDS + 30))
while [ "$SECONDS" -lt "$deadline" ]; do
  log=$(k logs hello-extra 2>/dev/null || true)
  [ -n "$log" ] && break
  sleep 0.25
done
[ -n "$log" ] || { echo "error: no log from hello-extra" >&2; exit 1; }
echo "kubectl logs hello-extra: $log"

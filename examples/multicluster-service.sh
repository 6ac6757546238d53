#!/usr/bin/env bash
# Services that route, in one cluster and across clusters, in the local federation started by
# `npm run setup`. Applies examples/multicluster-service.yaml at the federation (a Deployment
# divided 2 + 2 over member1 and member2, its Service, a ServiceExport), then from the host:
#  1. asks the central resolver for hello.default.svc.member1.flotilla.local: the Service's
#     ClusterIP, a loopback address member1's service proxy listens on; fetches the page from it;
#  2. waits for the ServiceImport the federation writes into every member, asks the resolver for
#     hello.default.svc.clusterset.local: the cluster-set IP; sends 40 requests to it and counts
#     which member's pods answered.
#   bash examples/multicluster-service.sh [STATE_DIR]   (STATE_DIR as given to local-up; default .flotilla)
# Remove it again with: kubectl --context federation delete -f examples/multicluster-service.yaml
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${1:-$here/../.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
image=$(cat "$state/image")
resolver=$(cat "$state/resolver")
ask() { dig @"${resolver%:*}" -p "${resolver#*:}" +short "$@"; }

sed "s|IMAGE|$image|" "$here/multicluster-service.yaml" | kubectl --context federation apply -f -

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
wait_for member1 deployment/hello '{.status.readyReplicas}' 2 120
wait_for member2 deployment/hello '{.status.readyReplicas}' 2 120
echo "ready: member1 2 pods, member2 2 pods"

echo "1. one cluster: hello.default.svc.member1.flotilla.local"
cluster_ip=$(kubectl --context member1 get service hello -o jsonpath='{.spec.clusterIP}')
answer=$(ask hello.default.svc.member1.flotilla.local)
echo "  resolver: $answer (the Service's ClusterIP: $cluster_ip)"
[ "$answer" = "$cluster_ip" ] || { echo "error: the resolver answered '$answer'" >&2; exit 1; }
case $cluster_ip in 127.*) ;; *) echo "error: ClusterIP $cluster_ip is not on loopback" >&2; exit 1 ;; esac
echo "  curl http://$cluster_ip/ -> $(curl -fsS --max-time 5 "http://$cluster_ip/")"

echo "2. the cluster set: hello.default.svc.clusterset.local"
wait_for member1 serviceimport/hello '{.spec.type}' ClusterSetIP 60
wait_for member2 serviceimport/hello '{.spec.type}' ClusterSetIP 60
set_ip=$(kubectl --context member1 get serviceimport hello -o jsonpath='{.spec.ips[0]}')
answer=''
deadline=$((SECONDS + 30))
while [ "$SECONDS" -lt "$deadline" ]; do
  answer=$(ask hello.default.svc.clusterset.local)
  [ "$answer" = "$set_ip" ] && break
  sleep 0.25
done
echo "  resolver: $answer (the ServiceImport's cluster-set IP: $set_ip)"
[ "$answer" = "$set_ip" ] || { echo "error: the resolver answered '$answer'" >&2; exit 1; }
pods1=$(kubectl --context member1 get pods -l app=hello -o jsonpath='{.items[*].metadata.name}')
# both members' ready pods must be in the import's EndpointSlices before counting
slices=''
deadline=$((SECONDS + 60))
while [ "$SECONDS" -lt "$deadline" ]; do
  slices=$(kubectl --context member1 get endpointslices -l multicluster.kubernetes.io/service-name=hello \
    -o jsonpath='{range .items[*]}{.metadata.labels.multicluster\.kubernetes\.io/source-cluster}{"\n"}{end}' |
    sort -u | tr '\n' ' ')
  [ "$slices" = "member1 member2 " ] && break
  sleep 0.25
done
echo "  imported endpoints from: $slices"
n1=0 n2=0 failed=0
for _ in $(seq 1 40); do
  pod=$(curl -fsS --max-time 5 "http://$set_ip/" || echo FAILED)
  if [ "$pod" = FAILED ]; then failed=$((failed + 1))
  elif [[ " $pods1 " == *" $pod "* ]]; then n1=$((n1 + 1))
  else n2=$((n2 + 1)); fi
done
echo "  40 requests to http://$set_ip/: member1 pods answered $n1, member2 pods $n2, failed $failed"
[ "$failed" = 0 ] && [ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] || { echo "error: not answered by both members" >&2; exit 1; }

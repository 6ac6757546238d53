#!/usr/bin/env bash
# Runs examples/member-workloads.yaml in member1 of the local federation started by `npm run setup`:
# a Job (4 completions, 2 at a time), a StatefulSet db-0..db-2 created in order behind a headless
# Service, and a DaemonSet with one pod per node; waits for each and shows what runs where.
#   bash examples/member-workloads.sh [STATE_DIR]     (STATE_DIR as given to local-up; default .flotilla)
# Remove it again with: kubectl --context member1 delete -f examples/member-workloads.yaml
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${1:-$here/../.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
image=$(cat "$state/image")
k() { kubectl --context member1 "$@"; }

sed "s|IMAGE|$image|" "$here/member-workloads.yaml" | k apply -f -

# wait_for WHAT JSONPATH WANT: polls `kubectl get WHAT -o jsonpath=JSONPATH` until it prints WANT
wait_for() {
  local got=''
  deadline=$((SECONDS + 120))
  while [ "$SECONDS" -lt "$deadline" ]; do
    got=$(k get "$1" -o jsonpath="$2" 2>/dev/null || true)
    [ "$got" = "$3" ] && { echo "$1: $got"; return 0; }
    sleep 0.25
  done
  echo "error: $1 $2 is '$got', wanted '$3' after 120 s" >&2
  exit 1
}

wait_for job/count '{.status.conditions[?(@.type=="Complete")].status}' True
wait_for job/count '{.status.succeeded}' 4
wait_for statefulset/db '{.status.readyReplicas}' 3
nodes=$(k get nodes --no-headers | wc -l | tr -d ' ')
wait_for daemonset/node-agent '{.status.numberReady}' "$nodes"

k get jobs,statefulsets,daemonsets
k get pods -o wide -l 'app in (db,node-agent)'
echo "db pods have stable names and DNS identities:"
k get pods -l app=db -o jsonpath='{range .items[*]}  {.metadata.name} hostname={.spec.hostname} subdomain={.spec.subdomain}{"\n"}{end}'

#!/usr/bin/env bash
# Runs examples/web-divided.yaml against the local federation started by `npm run setup`:
# applies it at the federation with the locally built image, waits until all 6 replicas are
# ready (4 in member1, 2 in member2), shows where they run, asks the central resolver for the
# federation-wide name, and fetches the page from every endpoint.
#   bash examples/web-divided.sh [STATE_DIR]     (STATE_DIR as given to local-up; default .flotilla)
# Remove it again with: kubectl --context federation delete -f examples/web-divided.yaml
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${1:-$here/../.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
image=$(cat "$state/image")
resolver=$(cat "$state/resolver")

sed "s|IMAGE|$image|" "$here/web-divided.yaml" | kubectl --context federation apply -f -

echo "waiting for 6 ready replicas across the members"
deadline=$((SECONDS + 120))
while [ "$SECONDS" -lt "$deadline" ]; do
  ready=$(kubectl --context federation get deployment web -o jsonpath='{.status.readyReplicas}')
  [ "${ready:-0}" = 6 ] && break
  sleep 0.25
done
[ "${ready:-0}" = 6 ] || { echo "error: only ${ready:-0}/6 replicas ready after 120 s" >&2; exit 1; }
for m in member1 member2; do
  echo "$m: $(kubectl --context "$m" get pods -l app=web --no-headers | wc -l) pods"
done

echo "federation-wide name web.default.fleet.svc.flotilla.local:"
addrs=$(dig @"${resolver%:*}" -p "${resolver#*:}" +short web.default.fleet.svc.flotilla.local | sort)
echo "$addrs"
# every ready endpoint serves the page on its pod's own address (podIP:8080)
for m in member1 member2; do
  kubectl --context "$m" get endpoints web -o json |
    node --input-type=module -e '
      let text = "";
      for await (const chunk of process.stdin) text += chunk;
      const eps = JSON.parse(text);
      for (const s of eps.subsets ?? []) {
        for (const a of s.addresses ?? []) {
          const url = `http://${a.ip}:${s.ports[0].port}/`;
          const body = await (await fetch(url)).text();
          console.log(`  ${process.argv[1]} ${url} -> ${body.trim().split("\n")[0]}`);
        }
      }' "$m"
done

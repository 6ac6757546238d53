#!/usr/bin/env bash
# Signing in to the web dashboard of the local federation started by `npm run setup`:
#  1. `flotilla dashboard` prints a one-time login URL for bob (context federation-bob)
#  2. the browser's first step, by hand: POST the code to /dashboard/api/login → a session token
#  3. the session token is bob on the API: his promotion requests yes (200), Secrets no (403)
#  4. the code works once (401 the second time); logout ends the session (401 afterwards)
#  5. the dashboard's files need no credentials and come with a strict Content-Security-Policy
#   bash examples/dashboard-login.sh [STATE_DIR]     (STATE_DIR as given to local-up; default .flotilla)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
state=${1:-$root/.flotilla}
[ -f "$state/ready" ] || { echo "error: no local federation in $state; run npm run setup first" >&2; exit 1; }
export KUBECONFIG=$state/kubeconfig
flotilla() { "$root/node_modules/.bin/node" "$root/dist/federation/cmd/flotilla.js" --kubeconfig "$KUBECONFIG" "$@"; }
ca=$(mktemp)
trap 'rm -f "$ca"' EXIT
kubectl config view --raw \
  -o jsonpath='{.clusters[?(@.name=="federation")].cluster.certificate-authority-data}' | base64 -d >"$ca"
# status code of a request to the federation; the body goes to $body
body=$(mktemp)
trap 'rm -f "$ca" "$body"' EXIT
call() { curl -sS --cacert "$ca" -o "$body" -w '%{http_code}' "$@"; }
expect() { [ "$1" = "$2" ] || { echo "error: $3: expected HTTP $2, got $1: $(head -c 300 "$body")" >&2; exit 1; }; }

url=$(flotilla --context federation-bob dashboard --ttl 5m 2>/dev/null)
echo "flotilla dashboard (as bob): ${url%%#*}#code=…"
case $url in https://*/dashboard/#code=*) ;; *) echo "error: not a dashboard URL: $url" >&2; exit 1 ;; esac
base=${url%%/dashboard/*}
code=${url#*#code=}

status=$(call -X POST -H 'Content-Type: application/json' -d "{\"code\":\"$code\"}" "$base/dashboard/api/login")
expect "$status" 200 "login with the code"
token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$body")
user=$(sed -n 's/.*"user":"\([^"]*\)".*/\1/p' "$body")
expires=$(sed -n 's/.*"expiresAt":"\([^"]*\)".*/\1/p' "$body")
echo "login: session for $user until $expires"
[ "$user" = bob ] || { echo "error: the session is $user, not bob" >&2; exit 1; }

status=$(call -H "Authorization: Bearer $token" "$base/apis/registry.flotilla.io/v1alpha1/promotionrequests")
expect "$status" 200 "bob's session lists promotionrequests"
echo "session lists promotionrequests: HTTP $status"
status=$(call -H "Authorization: Bearer $token" "$base/api/v1/namespaces/default/secrets")
expect "$status" 403 "bob's session lists secrets"
echo "session lists secrets: HTTP $status (as bob's own credentials)"

status=$(call -X POST -H 'Content-Type: application/json' -d "{\"code\":\"$code\"}" "$base/dashboard/api/login")
expect "$status" 401 "second use of the code"
echo "the same code again: HTTP $status"

status=$(call -X POST -H "Authorization: Bearer $token" "$base/dashboard/api/logout")
expect "$status" 200 "logout"
status=$(call -H "Authorization: Bearer $token" "$base/apis/registry.flotilla.io/v1alpha1/promotionrequests")
expect "$status" 401 "the session after logout"
echo "after logout: HTTP $status"

csp=$(curl -sS --cacert "$ca" -o /dev/null -D - "$base/dashboard/" | tr -d '\r' |
  sed -n 's/^content-security-policy: //Ip')
[ -n "$csp" ] || { echo "error: /dashboard/ has no Content-Security-Policy" >&2; exit 1; }
echo "GET /dashboard/ without credentials: CSP $csp"

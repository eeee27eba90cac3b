#!/usr/bin/env bash
# The quick-start demo: installs what is missing, builds, starts a stand-in
# manager on loopback with the sample rules of examples/rules.json, and runs
# flecto-agent against it, serving on 127.0.0.1:8080 (admin on :9090).
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

manager_port=${FLECTO_DEMO_MANAGER_PORT:-18080}
edge=${FLECTO_DEMO_LISTEN:-127.0.0.1:8080}
admin=${FLECTO_DEMO_ADMIN_LISTEN:-127.0.0.1:9090}
state=$(mktemp -d /tmp/flecto-demo-XXXXXX)
printf 'demo-token' >"$state/token"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$state"
}
trap cleanup EXIT INT TERM

build/tests/standin_manager/flecto-standin-manager --rules examples/rules.json --listen "127.0.0.1:$manager_port" \
  --namespace demo --project website --token demo-token >"$state/manager.log" 2>&1 &
pids+=($!)
# The agent would cope with a manager that is not up yet (it retries), but
# the demo starts it once the stand-in answers, to keep the log clean.
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$manager_port/health/ping" >/dev/null 2>&1 && break
  sleep 0.1
done

build/agent/flecto-agent --manager-url "http://127.0.0.1:$manager_port" \
  --namespace-code demo --project-code website --token-file "$state/token" \
  --agent-name demo-edge --state-dir "$state" --interval-check 10s \
  --listen "$edge" --admin-listen "$admin" &
pids+=($!)

for _ in $(seq 1 100); do
  curl -fs "http://$admin/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done

echo
echo "flecto-agent is serving the demo project on http://$edge (admin on http://$admin)."
echo "A redirect, as a browser would get it:"
echo "\$ curl -si http://localhost:${edge##*:}/about-us"
curl -si "http://localhost:${edge##*:}/about-us" | head -n 5
echo
echo "Try also:"
echo "  curl -si http://localhost:${edge##*:}/blog/2019/07/hello-world   # a regex redirect with captures"
echo "  curl -si http://localhost:${edge##*:}/promo                       # a BASIC_HOST redirect"
echo "  curl -s  http://localhost:${edge##*:}/robots.txt                  # a page"
echo "  curl -s  http://$admin/status                              # what is served, and the last sync"
echo "  curl -s  http://$admin/metrics"
echo "  curl -s  'http://$admin/match?host=localhost:8080&uri=/about-us'"
echo "  build/agent/flecto-agent match --rules examples/rules.json --host localhost:8080 --uri /about-us"
echo "Ctrl-C stops the demo."
wait "${pids[1]}"

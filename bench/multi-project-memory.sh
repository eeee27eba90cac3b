#!/usr/bin/env bash
# What several projects cost an edge host: starts N stand-in managers, each
# serving one project of R BASIC redirects, and one flecto-agent syncing all
# of them (host_configs), then prints one JSON line once every project is
# served: the tables' memory (/status), and the agent's RSS and peak RSS
# read from the kernel (/proc/PID/status VmRSS, VmHWM).
#
#   bench/multi-project-memory.sh [PROJECTS [RULES]]     (default 20 50000)
#
# Needs a build with the tests (build/agent/flecto-agent and
# build/tests/standin_manager/flecto-standin-manager) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
projects=${1:-20}
rules=${2:-50000}
agent=build/agent/flecto-agent
standin=build/tests/standin_manager/flecto-standin-manager
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "bench-token" >"$work/token"
{
  echo "namespace_code = \"bench\""
  echo "token_file = \"$work/token\""
  echo "agent_name = \"bench-agent\""
  echo "state_dir = \"$work/state\""
  echo "interval_check = \"1h\""
  echo "page_size = 5000"
} >"$work/agent.toml"

for i in $(seq 1 "$projects"); do
  awk -v n="$rules" -v p="$i" 'BEGIN {
    printf "{\"version\":1,\"redirects\":["
    for (r = 0; r < n; r++) printf "%s{\"type\":\"BASIC\",\"source\":\"/p%d/page-%d\",\"target\":\"/new/%d\",\"status\":\"MOVED_PERMANENT\"}", (r ? "," : ""), p, r, r
    printf "],\"pages\":[]}\n"
  }' >"$work/rules-$i.json"
  "$standin" --rules "$work/rules-$i.json" --namespace bench --project "p$i" --token bench-token \
    >"$work/url-$i" 2>/dev/null &
  pids+=($!)
done
for i in $(seq 1 "$projects"); do
  for _ in $(seq 1 100); do [ -s "$work/url-$i" ] && break; sleep 0.1; done
  {
    echo ""
    echo "[[host_configs]]"
    echo "hosts = [\"p$i.example\"]"
    echo "project_code = \"p$i\""
    echo "manager_url = \"$(head -1 "$work/url-$i")\""
  } >>"$work/agent.toml"
done

admin_port=19$(printf '%03d' $((RANDOM % 1000)))
"$agent" --config "$work/agent.toml" --listen 127.0.0.1:0 --admin-listen "127.0.0.1:$admin_port" \
  --log-level warn 2>"$work/agent.log" &
agent_pid=$!
pids+=("$agent_pid")
start=$(date +%s.%N)
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$admin_port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
ready=$(date +%s.%N)
sleep 3  # let the loads' temporary memory go back before reading RSS
status=$(curl -sf "http://127.0.0.1:$admin_port/status")
table_bytes=$(echo "$status" | grep -o '"table_memory_bytes":[0-9]*' | head -1 | cut -d: -f2)
rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$agent_pid/status")
hwm_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$agent_pid/status")
printf '{"projects":%d,"rules_per_project":%d,"ready_seconds":%.2f,"table_memory_bytes":%s,"rss_bytes":%d,"peak_rss_bytes":%d}\n' \
  "$projects" "$rules" "$(awk -v a="$start" -v b="$ready" 'BEGIN { print b - a }')" "$table_bytes" $((rss_kb * 1024)) $((hwm_kb * 1024))

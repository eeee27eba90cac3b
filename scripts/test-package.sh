#!/usr/bin/env bash
# Builds the Debian package from the committed tree (`git archive HEAD`, so
# nothing untracked is shipped), checks it with lintian (errors fail), then
# installs it with dpkg, runs the installed agent on the installed settings,
# purges it, and checks that nothing it installed is left. Runs as root (CI
# does); the build itself needs no root (Rules-Requires-Root: no).
set -euo pipefail
cd "$(dirname "$0")/.."

if dpkg-query -W -f='${Status}' flecto-agent 2>/dev/null | grep -q "installed"; then
  echo "test-package: flecto-agent is already installed here; purge it first" >&2
  exit 1
fi

work=$(mktemp -d /tmp/flecto-package-XXXXXX)
agent_pid=""
cleanup() {
  [ -z "$agent_pid" ] || kill "$agent_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== build the package from HEAD"
git archive --format=tar --prefix=flecto-agent/ HEAD | tar -x -C "$work"
(cd "$work/flecto-agent" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 || {
  tail -n 50 "$work/build.log" >&2
  exit 1
}
deb=$(ls "$work"/flecto-agent_*.deb)

echo "== lintian"
lintian --fail-on error --display-info "$work"/flecto-agent_*.changes

echo "== install"
dpkg -i "$deb"
dpkg -L flecto-agent >"$work/files"
version=$(dpkg-parsechangelog -l "$work/flecto-agent/debian/changelog" -S Version)
agent=/usr/bin/flecto-agent
if [ "$("$agent" --version)" != "flecto-agent ${version%-*}" ]; then
  echo "test-package: $agent --version does not say ${version%-*}" >&2
  exit 1
fi

# The settings check: the installed binary loads the installed configuration
# (every key, its type and its value are checked; an error exits 2 before
# anything starts) and serves a rules file on loopback instead of syncing,
# so no manager and no network are needed. The listeners go to free ports
# and the snapshot to a temporary directory; SIGTERM must then stop it with
# status 0 (the log line naming the rules file shows it loaded them).
echo "== the installed agent on the installed settings"
config=/etc/flecto-agent/flecto-agent.toml
printf '%s\n' '{"version": 1, "redirects": [{"type": "BASIC", "source": "/old", "target": "/new", "status": "MOVED_PERMANENT"}], "pages": []}' \
  >"$work/rules.json"
agent_run=(env -u CREDENTIALS_DIRECTORY -u STATE_DIRECTORY "$agent"
  --rules "$work/rules.json" --state-dir "$work/state" --listen 127.0.0.1:0 --admin-listen "")
# Not through a function: $! must be the agent itself (env execs it).
"${agent_run[@]}" --config "$config" 2>"$work/agent.log" &
agent_pid=$!
for _ in $(seq 100); do
  grep -qF "$work/rules.json" "$work/agent.log" && break
  kill -0 "$agent_pid" 2>/dev/null || break
  sleep 0.1
done
if ! grep -qF "$work/rules.json" "$work/agent.log"; then
  cat "$work/agent.log" >&2
  exit 1
fi
kill -TERM "$agent_pid"
status=0
wait "$agent_pid" || status=$?
agent_pid=""
[ "$status" -eq 0 ] || { cat "$work/agent.log" >&2; exit 1; }
# ... and it does read the file: the same settings with one unknown key fail.
{ cat "$config"; echo 'no_such_setting = 1'; } >"$work/broken.toml"
status=0
"${agent_run[@]}" --config "$work/broken.toml" 2>"$work/broken.log" || status=$?
if [ "$status" -ne 2 ] || ! grep -q 'unknown setting "no_such_setting"' "$work/broken.log"; then
  echo "test-package: an unknown setting gave status $status:" >&2
  cat "$work/broken.log" >&2
  exit 1
fi

echo "== purge"
dpkg --purge flecto-agent
left=()
while read -r path; do
  [ "$path" = /. ] && continue
  [ -e "$path" ] || [ -L "$path" ] || continue
  # Directories such as /usr/share/man/man8 belong to other packages too.
  [ -d "$path" ] && dpkg-query -S "$path" >/dev/null 2>&1 && continue
  left+=("$path")
done <"$work/files"
[ -e /etc/flecto-agent ] && left+=(/etc/flecto-agent)
if [ ${#left[@]} -gt 0 ]; then
  echo "test-package: left after purge: ${left[*]}" >&2
  exit 1
fi
echo "test-package: built, lintian clean of errors, installed, ran, purged without leftovers"

#!/usr/bin/env bash
# Prints the nginx site configuration of the "agent first, origin on 404"
# set-up (scripts/nginx-flecto-site.conf) with its addresses filled in.
#
#   scripts/nginx-flecto-config.sh LISTEN SERVER_NAMES AGENT ORIGIN > /etc/nginx/conf.d/flecto.conf
#   scripts/nginx-flecto-config.sh 80 "example.com www.example.com" 127.0.0.1:8080 127.0.0.1:8000
#
# LISTEN is what nginx's listen directive takes (80, 0.0.0.0:80, [::]:80);
# SERVER_NAMES the site's host names, the first one also the Host of requests
# that came without one; AGENT is flecto-agent's `listen`; ORIGIN is the
# site's own server.
set -euo pipefail
if [[ $# -ne 4 ]]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
template="$(dirname "$0")/nginx-flecto-site.conf"
sed -e "s|@LISTEN@|$1|g" -e "s|@SERVER_NAMES@|$2|g" -e "s|@AGENT@|$3|g" -e "s|@ORIGIN@|$4|g" "$template"

#!/usr/bin/env python3
"""Write an nginx.conf that answers the redirects of a flecto rules file.

    nginx_conf.py --rules RULES.json --prefix DIR --port PORT [--workers N] > DIR/nginx.conf

Why Python: the rules file is JSON with arbitrary strings (quotes, backslashes,
`$`) that must be re-quoted for nginx's configuration syntax, and regex sources
need a small rewrite (see `regex_key`). jq + shell could do the first part but
not the second readably; python3 is on every Debian host, with no module beyond
the standard library.

How the answers are made equivalent to flecto-agent's (shared/matching.md):

- One `map` per stage, chained through their `default` values, so nginx
  evaluates them lazily in the agent's order: BASIC_HOST ("$http_host$request_uri"),
  BASIC ($request_uri), REGEX_HOST, REGEX. Stages without rules are left out.
- Each map value is "CODE TARGET"; `if` blocks at server level split it and
  `return CODE TARGET` (nginx's `return` takes no variable status code).
  Nothing matched: 404 with the agent's body text.
- Duplicate BASIC sources: the agent uses the one listed last, nginx's map the
  first, so only the last one is written.
- Regex priority: the agent takes the matching rule with the longest source
  (first listed on a tie); a regex map takes the first matching entry in
  order. So the regex entries are written longest source first (stable sort),
  which gives the same winner.
- A regex with a literal prefix but no leading `^` (e.g.
  `/legacy6/(?:index|home)\\.php`) is only a candidate in the agent when the
  input starts with that prefix; it is written as `^(?=PREFIX).*?(?:SOURCE)`,
  which keeps the capture numbers and the leftmost-first match.
- Targets: `$1`..`$9` stay nginx captures when the pattern has that many
  groups; every other `$` is literal in the agent, written here as
  `${flecto_dollar}` (a `geo` variable whose value is "$").
- `absolute_redirect off` so that a path target goes out as is (the agent
  sends it as is too, after cleaning dot segments and repeated slashes, which
  nginx does not do: see the README).

Known differences that are NOT papered over (listed in bench/README.md):
nginx compares map strings ignoring case, the agent byte for byte; nginx's
regexes are PCRE, the agent's RE2; nginx does not clean or percent-encode the
Location; pages are not served (the benchmark rules have none).
"""
import argparse
import json
import re
import sys

STATUS = {
    "MOVED_PERMANENT": 301,
    "FOUND": 302,
    "TEMPORARY_REDIRECT": 307,
    "PERMANENT_REDIRECT": 308,
}

NOT_FOUND_BODY = "404 page not found\\n"  # the agent's 404 body, nginx-escaped


def q(text):
    """A double-quoted nginx configuration string holding `text` verbatim."""
    if any(c in text for c in "\r\n\t"):
        # nginx turns \t \r \n escapes into control characters; a raw control
        # character inside quotes is kept as is, so only quote and backslash
        # need escaping either way. Flag it, it never happens in the bench sets.
        print(f"nginx_conf.py: control character in {text!r}", file=sys.stderr)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def count_groups(pattern):
    """Capturing groups of an RE2 pattern: '(' not escaped, not in a class,
    not followed by '?' unless it is a named group '(?P<'."""
    n = 0
    i = 0
    in_class = False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            # a ']' right after '[' or '[^' is literal
            if pattern[i + 1:i + 2] == "^":
                i += 1
            if pattern[i + 1:i + 2] == "]":
                i += 1
        elif c == "(":
            if pattern[i + 1:i + 2] != "?" or pattern[i + 1:i + 4] == "?P<" or pattern[i + 1:i + 3] == "?<" and pattern[i + 3:i + 4] not in ("=", "!"):
                n += 1
        i += 1
    return n


def has_top_level_alternation(pattern):
    depth = 0
    i = 0
    in_class = False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return True
        i += 1
    return False


META = set("\\.^$|?*+()[]{}")


def literal_prefix(source):
    """The literal text every match of an unanchored source must start with,
    computed conservatively (shorter is safe for the lookahead only if the
    agent's prefix is not longer: both agree on the shapes of the bench sets).
    None when there is none or it cannot be told simply."""
    if source.startswith("(?") or has_top_level_alternation(source):
        return None
    atoms = []  # (text of the atom as a literal)
    i = 0
    while i < len(source):
        c = source[i]
        if c == "\\":
            nxt = source[i + 1:i + 2]
            if not nxt or nxt.isalnum():
                break  # \d, \w, \b ...: not a literal
            atoms.append(nxt)
            i += 2
        elif c in META:
            if c in "?*{":
                if atoms:
                    atoms.pop()  # the atom before an optional quantifier is optional
            break
        else:
            atoms.append(c)
            i += 1
    else:
        return "".join(atoms) or None
    return "".join(atoms) or None


def regex_key(source):
    """The nginx map key (without the '~') for a flecto REGEX source."""
    if source.startswith("^"):
        return source
    prefix = literal_prefix(source)
    if not prefix:
        return source
    return "^(?=" + re.escape(prefix) + ").*?(?:" + source + ")"


def nginx_target(target, groups, uses_dollar):
    """A flecto target as an nginx complex value: $1..$9 (as far as the
    pattern has groups) become captures, every other '$' stays literal."""
    out = []
    i = 0
    while i < len(target):
        c = target[i]
        if c == "$":
            d = target[i + 1:i + 2]
            if d.isdigit() and d != "0" and int(d) <= groups:
                out.append("$" + d)
                i += 2
                continue
            out.append("${flecto_dollar}")
            uses_dollar[0] = True
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", required=True)
    ap.add_argument("--prefix", required=True, help="nginx's temp dir (pid, logs, temp paths)")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--workers", default="1")
    args = ap.parse_args()

    rules = json.load(open(args.rules, encoding="utf-8"))
    redirects = rules.get("redirects", [])
    if rules.get("pages"):
        print(f"nginx_conf.py: {len(rules['pages'])} pages ignored (not served by this nginx)", file=sys.stderr)

    uses_dollar = [False]
    basic = {"BASIC_HOST": {}, "BASIC": {}}  # source -> value; the last one wins
    regex = {"REGEX_HOST": [], "REGEX": []}
    skipped = 0
    for r in redirects:
        kind, source, status = r.get("type"), r.get("source", ""), STATUS.get(r.get("status"))
        if status is None or not source or kind not in ("BASIC", "BASIC_HOST", "REGEX", "REGEX_HOST"):
            skipped += 1
            continue
        target = r.get("target", "")
        if not re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|/)", target):
            print(f"nginx_conf.py: relative target {target!r} is resolved by the agent, not by nginx", file=sys.stderr)
        if kind in basic:
            value = f"{status} " + nginx_target(target, 0, uses_dollar)
            basic[kind].pop(source, None)  # keep the order of the last occurrence
            basic[kind][source] = value
        else:
            groups = count_groups(source)
            value = f"{status} " + nginx_target(target, groups, uses_dollar)
            regex[kind].append((source, value))
    for kind in regex:
        regex[kind].sort(key=lambda sv: -len(sv[0].encode()))  # stable: first listed wins ties

    # nginx lower-cases map string keys: two sources differing only in case collide
    for kind, table in basic.items():
        seen = {}
        for source in list(table):
            low = source.lower()
            if low in seen:
                print(f"nginx_conf.py: {kind} {source!r} and {seen[low]!r} differ only in case; nginx keeps one", file=sys.stderr)
                del table[seen[low]]
            seen[low] = source

    stages = [
        ("flecto_basic_host", '"$http_host$request_uri"', "BASIC_HOST"),
        ("flecto_basic", "$request_uri", "BASIC"),
        ("flecto_regex_host", '"$http_host$request_uri"', "REGEX_HOST"),
        ("flecto_regex", "$request_uri", "REGEX"),
    ]
    present = [s for s in stages if (basic.get(s[2]) if s[2] in basic else regex.get(s[2]))]
    longest = max([len(k.encode()) for t in basic.values() for k in t] + [16])
    count = max([len(t) for t in basic.values()] + [16])

    p = args.prefix
    out = []
    w = out.append
    w(f"# generated by bench/edge/nginx_conf.py from {args.rules}")
    w(f"# {sum(len(t) for t in basic.values())} basic, {sum(len(t) for t in regex.values())} regex entries, {skipped} skipped")
    w(f"worker_processes {args.workers};")
    w(f"pid {p}/nginx.pid;")
    w(f"error_log {p}/error.log warn;")
    w("pcre_jit on;")
    w("events { worker_connections 4096; }")
    w("http {")
    w("    access_log off;")
    for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        w(f"    {t}_temp_path {p}/{t}_temp;")
    w("    keepalive_requests 100000000;")
    w("    keepalive_timeout 75s;")
    w("    server_tokens off;")
    w("    absolute_redirect off;")
    w('    default_type "text/plain; charset=utf-8";')
    # hash sizing: nginx wants max_size >= entries and bucket_size >= the longest key
    w(f"    map_hash_max_size {max(1024, 4 * count)};")
    bucket = 256  # 128 makes nginx warn "could not build optimal map_hash" at 100k keys
    while bucket < longest + 32:
        bucket *= 2
    w(f"    map_hash_bucket_size {bucket};")
    if uses_dollar[0]:
        w('    geo $flecto_dollar { default "$"; }')
    if not present:  # no rules: one empty map, so that the server block stays the same
        present = [("flecto_basic_host", "$request_uri", "")]
    for n, (var, src, kind) in enumerate(present):
        default = '""' if n + 1 == len(present) else "$" + present[n + 1][0]
        w(f"    map {src} ${var} {{")
        w(f"        default {default};")
        if kind in basic:
            for source, value in basic[kind].items():
                key = q(source)
                if source.startswith("~") or source.startswith("\\"):
                    key = q("\\" + source)
                w(f"        {key} {q(value)};")
        elif kind:
            for source, value in regex[kind]:
                w(f"        {q('~' + regex_key(source))} {q(value)};")
        w("    }")
    first = "$" + present[0][0]
    w("    server {")
    w(f"        listen 127.0.0.1:{args.port} default_server backlog=4096;")
    w(f'        if ({first} = "") {{ return 404 "{NOT_FOUND_BODY}"; }}')
    for code in (301, 302, 307, 308):
        w(f'        if ({first} ~ "^{code} (.*)$") {{ return {code} $1; }}')
    w(f'        return 404 "{NOT_FOUND_BODY}";')
    w("    }")
    w("}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()

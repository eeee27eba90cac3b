#!/usr/bin/env python3
"""Build the request list of a case and check both servers agree on it.

    check.py --queries Q.jsonl --agent PORT --nginx PORT --out REQUESTS.tsv
             [--count N] [--hit-percent P] [--max-scan M]

Reads queries ({"host": ..., "uri": ...} per line, as `flecto-bench generate`
writes them) in file order (in batches, four threads), sends each one to flecto-agent and to nginx on
127.0.0.1 (keep-alive, the query's Host header, the target as is), and keeps
it when both answer the same status and Location. A query the agent answers
with a redirect is a hit, a 404 a miss; the list takes hits and misses in file
order until it has N * P % hits and the rest misses (or the file or M queries
run out), so every timed request has been checked on both servers.

Writes REQUESTS.tsv (host TAB target, one per line, for cycle.lua) and prints
one JSON line: scanned, kept, hits, misses, mismatches and a few examples.
"""
import argparse
import concurrent.futures
import http.client
import itertools
import json
import sys
import threading


def ask(conn, host, uri):
    conn.putrequest("GET", uri, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", host)
    conn.endheaders()
    resp = conn.getresponse()
    resp.read()
    return resp.status, resp.getheader("Location")


_local = threading.local()


def both(ports, host, uri):
    """(agent answer, nginx answer), on this thread's keep-alive connections."""
    if not hasattr(_local, "conns"):
        _local.conns = [http.client.HTTPConnection("127.0.0.1", p, timeout=10) for p in ports]
    return tuple(ask(c, host, uri) for c in _local.conns)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", required=True)
    ap.add_argument("--agent", type=int, required=True)
    ap.add_argument("--nginx", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--hit-percent", type=float, default=50)
    ap.add_argument("--max-scan", type=int, default=100000)
    args = ap.parse_args()

    want_hits = round(args.count * args.hit_percent / 100)
    want_misses = args.count - want_hits
    kept, hits, misses, scanned, mismatches, unusable = [], 0, 0, 0, 0, 0
    statuses = {}
    examples = []
    ports = (args.agent, args.nginx)
    # Queries go out in batches over a few threads (the servers do the work, so
    # the GIL is not the limit); the batch's answers are then used in file order.
    with open(args.queries, encoding="utf-8") as f, \
            concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        while scanned < args.max_scan and (hits < want_hits or misses < want_misses):
            lines = list(itertools.islice(f, min(500, args.max_scan - scanned)))
            if not lines:
                break  # end of file
            batch = []
            for line in lines:
                q = json.loads(line)
                host, uri = q["host"], q["uri"]
                scanned += 1
                if any(c in host + uri for c in "\t\r\n") or not uri.isascii() or not host.isascii():
                    unusable += 1
                    continue
                batch.append((host, uri))
            answers = pool.map(lambda hu: both(ports, *hu), batch)
            for (host, uri), (a, n) in zip(batch, answers):
                if a != n:
                    mismatches += 1
                    if len(examples) < 5:
                        examples.append({"host": host, "uri": uri, "agent": a, "nginx": n})
                    continue
                hit = a[0] != 404
                if hit and hits >= want_hits or not hit and misses >= want_misses:
                    continue
                if hit:
                    hits += 1
                else:
                    misses += 1
                statuses[a[0]] = statuses.get(a[0], 0) + 1
                kept.append((host, uri))
    with open(args.out, "w", encoding="ascii") as out:
        for host, uri in kept:
            out.write(f"{host}\t{uri}\n")
    print(json.dumps({"scanned": scanned, "kept": len(kept), "hits": hits, "misses": misses,
                      "statuses": dict(sorted(statuses.items())), "mismatches": mismatches,
                      "unusable": unusable, "mismatch_examples": examples}))
    return 0 if kept else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Before/after for the single-POST cost of two engine builds, alternating, same load client (no nchan: see
# single-post.sh for the peer). Per jar per round: a fresh server with one IO thread (publisher and subscriber share
# it), 40 s warm-up at RATE, then 3 windows of 15 s with a new subscriber and publisher each; prints the server's CPU
# per POST (µs of one core, from the process's /proc ticks over the window) and the delivery p99 of each window.
# Loopback only. Needs gcc.
#
#   bench/peer/single-post-ab.sh RATE ROUNDS JAR...
#   bench/peer/single-post-ab.sh 30000 2 /tmp/before.jar edge-undertow/app/target/push-engine.jar
set -euo pipefail
cd "$(dirname "$0")/../.."
rate=$1; rounds=$2; shift 2
mkdir -p bench/target
client=$PWD/bench/target/fanout_load
gcc -O2 -Wall -o "$client" bench/peer/fanout_load.c -lpthread
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; } # utime + stime, after the name's ")"
for r in $(seq 1 "$rounds"); do
  for jar in "$@"; do
    jar=$(realpath "$jar")
    work=$(mktemp -d)
    (cd "$work" && exec java -Dpush.edge.io.threads="${IO_THREADS:-1}" -Dpush.demo.ticks.per.second=0 -jar "$jar" \
      >"$work/server.log" 2>&1) &
    pid=$!
    for _ in $(seq 1 60); do curl -sf -o /dev/null http://127.0.0.1:8080/ready && break; sleep 1; done
    java_pid=$(pgrep -f -n "$jar")
    "$client" --port 8080 --ws-path "/ws?topics=warmup" --pub-path /publish/warmup --subscribers 1 --rate "$rate" \
      --seconds 40 --label warmup >/dev/null 2>&1 || true
    out=""
    for w in 1 2 3; do
      before=$(cpu_ticks "$java_pid")
      row=$("$client" --port 8080 --ws-path "/ws?topics=m$w" --pub-path "/publish/m$w" --subscribers 1 \
        --rate "$rate" --seconds 15 --server-pid "$java_pid" --label ab 2>/dev/null | tail -1)
      after=$(cpu_ticks "$java_pid")
      # the process's CPU ticks (1/100 s) over the client's run, whose setup and teardown add a few ms: divided by
      # the POSTs acknowledged, finer than the client's whole-percent column
      out="$out $(echo "$row" | awk -F'|' -v t=$((after - before)) '{a=$5; sub(/\/.*/,"",a); gsub(/ /,"",a);
        p=$11; gsub(/ /,"",p); printf "%.2f µs (p99 %s ms)", t*10000/a, p}')"
    done
    echo "round $r $(basename "$jar"):$out"
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
    rm -rf "$work"
  done
done

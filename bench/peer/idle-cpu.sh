#!/usr/bin/env bash
# Idle CPU of the runnable jar (engine + edge, demo feed off, no client): per thread and in total, as % of one core,
# from /proc/<pid>/task/*/schedstat (nanoseconds on CPU; finer than the 10 ms ticks of /proc/<pid>/stat).
#
#   bench/peer/idle-cpu.sh [SECONDS (30)] [-Dflag ...]     e.g. bench/peer/idle-cpu.sh 30 -Dpush.threading.mode=shared
#
# Needs `mvn -DskipTests package`; uses port 8080; waits 20 s after the edge is ready before measuring.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
shift || true
jar=$PWD/edge-undertow/app/target/push-engine.jar
[ -f "$jar" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 2; }
work=$(mktemp -d)
cd "$work"
java -Dpush.demo.ticks.per.second=0 "$@" -jar "$jar" >log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do curl -sf -o /dev/null http://127.0.0.1:8080/ready && break; sleep 0.5; done
sleep 20
snapshot() { for t in /proc/$pid/task/*; do echo "$(basename "$t") $(cut -d' ' -f1 "$t/schedstat") $(tr ' ' _ < "$t/comm")"; done | sort; }
snapshot > before
sleep "$seconds"
snapshot > after
join before after | awk -v s="$seconds" '{ d = $4 - $2; total += d; if (d > 0) printf "  %6.3f %%  %s\n", d / s / 1e7, $3 }
  END { printf "idle CPU %.2f %% of one core over %d s (flags: '"$*"')\n", total / s / 1e7, s }' | sort -rn

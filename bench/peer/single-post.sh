#!/usr/bin/env bash
# What one HTTP publish costs the server, push-engine beside nchan, same load client, same run: one WebSocket
# subscriber, one publisher posting 64-byte JSON bodies on one keep-alive connection at a fixed rate (open loop),
# several windows per rate, each with a new subscriber and publisher connection. Reports each window's server CPU
# and the CPU per POST (µs of one core), and per rate the ratio of the medians. The issue's target: ≤ 20 µs.
# Loopback only. Needs gcc, `apt-get install nginx libnginx-mod-nchan`, and `mvn -DskipTests package`.
#
#   bench/peer/single-post.sh [RATES (default "10000 30000")] [SECONDS (15)] [WINDOWS (4)]
#   PUSH_JVM_OPTS="-Dpush.edge.io.threads=1" bench/peer/single-post.sh 30000
#
# Windows differ on purpose: XNIO gives each accepted connection a random IO thread, so with the default two IO
# threads about half the windows have the publisher and the subscriber on one thread and half wake the subscriber's
# thread for each event (bench/README, tenth session: 5-7 µs per event). The median of 4 or more windows is the
# figure to compare; the column "IO threads busy" says which case each window was.
set -euo pipefail
cd "$(dirname "$0")/../.."
rates=${1:-"10000 30000"}
seconds=${2:-15}
windows=${3:-4}
jar=edge-undertow/app/target/push-engine.jar
[ -f "$jar" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 2; }
command -v nginx >/dev/null && [ -f /usr/lib/nginx/modules/ngx_nchan_module.so ] ||
  { echo "nchan missing: apt-get install nginx libnginx-mod-nchan" >&2; exit 2; }

mkdir -p bench/target
client=bench/target/fanout_load
gcc -O2 -Wall -o "$client" bench/peer/fanout_load.c -lpthread

work=$(mktemp -d)
cleanup() { kill "${push_pid:-}" "${nginx_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/nchan/tmp" "$work/push"
cp bench/peer/nchan.conf "$work/nchan/"
nginx -p "$work/nchan" -c "$work/nchan/nchan.conf" >"$work/nchan/log" 2>&1 &
nginx_pid=$!
(cd "$work/push" && exec java ${PUSH_JVM_OPTS:-} -Dpush.demo.ticks.per.second=0 -jar "$OLDPWD/$jar" >"$work/push/log" 2>&1) &
push_pid=$!
for _ in $(seq 1 60); do
  curl -sf -o /dev/null http://127.0.0.1:8080/ready && curl -s -o /dev/null http://127.0.0.1:8090/pub?ch=probe && break
  sleep 1
done
curl -sf -o /dev/null http://127.0.0.1:8080/ready || { echo "push-engine did not become ready" >&2; cat "$work/push/log" >&2; exit 1; }
nchan_worker=$(pgrep -P "$nginx_pid" | head -1)
java_pid=$(pgrep -f -n "push-engine.jar")

# CPU seconds of each of the engine's IO threads, in ticks (/proc: utime + stime)
io_ticks() {
  for task in /proc/"$java_pid"/task/*; do
    if grep -q "I/O" "$task/comm" 2>/dev/null; then
      sed 's/.*) //' "$task/stat" | awk '{print $12 + $13}' # the name has spaces: fields after its ")"
    fi
  done | tr '\n' ' '
}

echo "machine: $(nproc) cores, $(uname -r), $(java -version 2>&1 | head -1), $(nginx -v 2>&1)"
echo
echo "| server | POSTs/s | window | publishes acked | p50 ms | p99 ms | server CPU (of one core) | CPU per POST µs | IO threads busy |"
echo "|---|---|---|---|---|---|---|---|---|"
# warm-up, not reported: the JVM compiles the single-POST path only after a while at such a rate
max_rate=$(echo "$rates" | tr ' ' '\n' | sort -n | tail -1)
"$client" --port 8080 --ws-path "/ws?topics=warmup" --pub-path /publish/warmup --subscribers 1 \
  --rate "$max_rate" --seconds "${WARMUP_SECONDS:-40}" --label warmup >/dev/null 2>&1 || true
"$client" --port 8090 --ws-path "/sub?ch=warmup" --pub-path "/pub?ch=warmup" --subscribers 1 \
  --rate "$max_rate" --seconds 10 --label warmup >/dev/null 2>&1 || true

row() { # server rate window client-row busy
  echo "$4" | awk -F'|' -v s="$1" -v r="$2" -v w="$3" -v b="$5" '{
    cpu = $14; gsub(/[ %]/, "", cpu);
    printf "| %s | %s | %s | %s | %s | %s | %s %% | %.1f | %s |\n", s, r, w, $5, $9, $11, cpu, cpu * 10000 / r, b }'
}
summary=()
for rate in $rates; do
  push_per_post=()
  nchan_per_post=()
  for w in $(seq 1 "$windows"); do
    topic="post$rate$w$RANDOM"
    before=($(io_ticks))
    line=$("$client" --port 8080 --ws-path "/ws?topics=$topic" --pub-path "/publish/$topic" --subscribers 1 \
      --rate "$rate" --seconds "$seconds" --server-pid "$java_pid" --label push-engine 2>>"$work/push/client.err" |
      grep '^| push-engine' || true)
    after=($(io_ticks))
    busy=0
    for i in "${!after[@]}"; do
      [ $(( ${after[$i]} - ${before[$i]:-0} )) -gt $(( seconds * 10 )) ] && busy=$((busy + 1)) # > 10 % of the window
    done
    [ -n "$line" ] && row push-engine "$rate" "$w" "$line" "$busy" &&
      push_per_post+=("$(echo "$line" | awk -F'|' -v r="$rate" '{c=$14; gsub(/[ %]/,"",c); printf "%.2f", c*10000/r}')")
    line=$("$client" --port 8090 --ws-path "/sub?ch=$topic" --pub-path "/pub?ch=$topic" --subscribers 1 \
      --rate "$rate" --seconds "$seconds" --server-pid "$nchan_worker" --label nchan 2>>"$work/nchan/client.err" |
      grep '^| nchan' || true)
    [ -n "$line" ] && row nchan "$rate" "$w" "$line" "1 worker" &&
      nchan_per_post+=("$(echo "$line" | awk -F'|' -v r="$rate" '{c=$14; gsub(/[ %]/,"",c); printf "%.2f", c*10000/r}')")
  done
  median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }
  p=$(median "${push_per_post[@]}")
  n=$(median "${nchan_per_post[@]}")
  summary+=("$rate POSTs/s: push-engine median $p µs per POST, nchan $n µs, ratio $(awk -v p="$p" -v n="$n" 'BEGIN {if (n > 0) printf "%.2fx", p / n; else print "n/a"}')")
done
echo
printf '%s\n' "${summary[@]}"
exit 0

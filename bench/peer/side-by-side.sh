#!/usr/bin/env bash
# push-engine beside nchan, same load client, same run: 1,000 WebSocket subscribers on one topic, one publisher
# posting 64-byte JSON bodies as pipelined HTTP/1.1 POSTs on one keep-alive connection, open loop, at each rate.
# Loopback only; both servers with default settings (push-engine: the runnable jar, demo feed off; nchan: one
# nginx worker, nchan.conf). Needs gcc, `apt-get install nginx libnginx-mod-nchan`, and `mvn -DskipTests package`.
# A third row per rate, "floor": bench/peer/floor_server.c, one C thread that only writes each socket's backlog
# once per pass (no journal, no sequence): what the box itself allows. Left out if it does not build (it needs
# OpenSSL's headers, `apt-get install libssl-dev`).
#
#   bench/peer/side-by-side.sh [RATES (default "10 100 500 1000")] [SECONDS (10)] [SUBSCRIBERS (1000)]
#   PUSH_JVM_OPTS="-XX:StartFlightRecording=filename=x.jfr" bench/peer/side-by-side.sh 100   # profile ours
#   PUBLISHERS=8 bench/peer/side-by-side.sh "500 1000"   # POSTs round-robin over 8 keep-alive connections
#   PUSH_JAR=/tmp/other-build.jar bench/peer/side-by-side.sh 10   # another build of the runnable jar (an A/B)
#   PUSH_JAR_B=/tmp/before.jar ROUNDS=5 bench/peer/side-by-side.sh 10 30   # an A/B in the same rounds: a second
#                                                # build on port 8081, row "push-engine-b", measured after push-engine
#   TIMELINE=1 bench/peer/side-by-side.sh 1000   # per-second lateness of deliveries, sends and answers into
#                                                # bench/target/timeline-SERVER-RATE.txt (fanout_load --timeline)
#   LOW_WARMUP_SECONDS=0 bench/peer/side-by-side.sh "10 1000"   # warm up at the highest rate only (default: also
#                                                # 20 s at the lowest rate, each server)
#   WARMUP_RATE=1000 ROUNDS=5 bench/peer/side-by-side.sh 10 30   # warm up at 1,000 ev/s; then every rate 5 times, the servers alternating within each round
#                                                # (same processes), then per rate the medians and their ratios
#
# Prints a Markdown table: one row per server per rate (columns in the header below); with ROUNDS > 1, one row per
# server per rate per round, then a table of medians (p99, server CPU) with push-engine / nchan ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
rates=${1:-"10 100 500 1000"}
seconds=${2:-10}
subscribers=${3:-1000}
jar=${PUSH_JAR:-edge-undertow/app/target/push-engine.jar}
[ -f "$jar" ] || { echo "build first: mvn -q -DskipTests package" >&2; exit 2; }
jar=$(realpath "$jar")
command -v nginx >/dev/null && [ -f /usr/lib/nginx/modules/ngx_nchan_module.so ] ||
  { echo "nchan missing: apt-get install nginx libnginx-mod-nchan" >&2; exit 2; }

mkdir -p bench/target
client=bench/target/fanout_load
gcc -O2 -Wall -o "$client" bench/peer/fanout_load.c -lpthread
floor=bench/target/floor_server
gcc -O2 -Wall -o "$floor" bench/peer/floor_server.c -lcrypto 2>/dev/null || floor=

work=$(mktemp -d)
cleanup() { kill "${push_pid:-}" "${pushb_pid:-}" "${nginx_pid:-}" "${floor_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/nchan/tmp" "$work/push"
cp bench/peer/nchan.conf "$work/nchan/"
nginx -p "$work/nchan" -c "$work/nchan/nchan.conf" >"$work/nchan/log" 2>&1 &
nginx_pid=$!
(cd "$work/push" && exec java ${PUSH_JVM_OPTS:-} -Dpush.demo.ticks.per.second=0 -jar "$jar" >"$work/push/log" 2>&1) &
push_pid=$!
jar_b=
if [ -n "${PUSH_JAR_B:-}" ]; then
  jar_b=$(realpath "$PUSH_JAR_B")
  mkdir -p "$work/pushb"
  (cd "$work/pushb" && exec java ${PUSH_JVM_OPTS:-} -Dpush.demo.ticks.per.second=0 -Dpush.edge.port=8081 \
    -jar "$jar_b" >"$work/pushb/log" 2>&1) &
  pushb_pid=$!
fi
if [ -n "$floor" ]; then "$floor" 8070 & floor_pid=$!; fi
for _ in $(seq 1 60); do
  curl -sf -o /dev/null http://127.0.0.1:8080/ready && curl -s -o /dev/null http://127.0.0.1:8090/pub?ch=probe && break
  sleep 1
done
curl -sf -o /dev/null http://127.0.0.1:8080/ready || { echo "push-engine did not become ready" >&2; cat "$work/push/log" >&2; exit 1; }
nchan_worker=$(pgrep -P "$nginx_pid" | head -1)
java_pid=$push_pid # the subshell exec'd java
if [ -n "$jar_b" ]; then
  for _ in $(seq 1 60); do curl -sf -o /dev/null http://127.0.0.1:8081/ready && break; sleep 1; done
  curl -sf -o /dev/null http://127.0.0.1:8081/ready || { echo "push-engine-b did not become ready" >&2; cat "$work/pushb/log" >&2; exit 1; }
fi

echo "machine: $(nproc) cores, $(uname -r), $(java -version 2>&1 | head -1), $(nginx -v 2>&1)"
echo
echo "| server | subscribers | rate | publishes acked | deliveries/s | lost | clients cut | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | server CPU (of one core) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
# a warm-up of each server at the highest rate, not reported: a JVM compiles its hot paths in the first seconds
# under load (a cold run's figures are the JIT's, not the server's); nchan gets the same run for symmetry
warmup_rate=${WARMUP_RATE:-$(echo "$rates" | tr ' ' '\n' | sort -n | tail -1)}
"$client" --port 8080 --ws-path "/ws?topics=warmup" --pub-path /publish/warmup --subscribers "$subscribers" \
  --rate "$warmup_rate" --seconds 10 --publishers "${PUBLISHERS:-1}" --label warmup >/dev/null 2>&1 || true
[ -n "$jar_b" ] && { "$client" --port 8081 --ws-path "/ws?topics=warmup" --pub-path /publish/warmup \
  --subscribers "$subscribers" --rate "$warmup_rate" --seconds 10 --publishers "${PUBLISHERS:-1}" --label warmup \
  >/dev/null 2>&1 || true; }
"$client" --port 8090 --ws-path "/sub?ch=warmup" --pub-path "/pub?ch=warmup" --subscribers "$subscribers" \
  --rate "$warmup_rate" --seconds 10 --publishers "${PUBLISHERS:-1}" --label warmup >/dev/null 2>&1 || true
# and at the lowest rate when it is lower: there a POST comes alone, not read ahead with others, and the JVM compiles
# that path only once it has run for a while at such a rate (seen: C2 compiling it 45-55 s after start, inside the
# measured 10 ev/s window); LOW_WARMUP_SECONDS=0 skips it
low_rate=$(echo "$rates" | tr ' ' '\n' | sort -n | head -1)
low_warmup=${LOW_WARMUP_SECONDS:-20}
if [ "$low_rate" != "$warmup_rate" ] && [ "$low_warmup" -gt 0 ]; then
  # first POSTs that come alone, many of them: 400/s round-robin over 8 connections (50/s each, mostly answered
  # before the next, not read ahead), 10 s; without it C2 reaches that path only after 100-150 s at 10 ev/s (bench/README)
  "$client" --port 8080 --ws-path "/ws?topics=warmone" --pub-path /publish/warmone --subscribers "$subscribers" \
    --rate 400 --seconds 10 --publishers 8 --label warmup >/dev/null 2>&1 || true
  [ -n "$jar_b" ] && { "$client" --port 8081 --ws-path "/ws?topics=warmone" --pub-path /publish/warmone \
    --subscribers "$subscribers" --rate 400 --seconds 10 --publishers 8 --label warmup >/dev/null 2>&1 || true; }
  "$client" --port 8090 --ws-path "/sub?ch=warmone" --pub-path "/pub?ch=warmone" --subscribers "$subscribers" \
    --rate 400 --seconds 10 --publishers 8 --label warmup >/dev/null 2>&1 || true
  "$client" --port 8080 --ws-path "/ws?topics=warmlow" --pub-path /publish/warmlow --subscribers "$subscribers" \
    --rate "$low_rate" --seconds "$low_warmup" --publishers "${PUBLISHERS:-1}" --label warmup >/dev/null 2>&1 || true
  [ -n "$jar_b" ] && { "$client" --port 8081 --ws-path "/ws?topics=warmlow" --pub-path /publish/warmlow \
    --subscribers "$subscribers" --rate "$low_rate" --seconds "$low_warmup" --publishers "${PUBLISHERS:-1}" \
    --label warmup >/dev/null 2>&1 || true; }
  "$client" --port 8090 --ws-path "/sub?ch=warmlow" --pub-path "/pub?ch=warmlow" --subscribers "$subscribers" \
    --rate "$low_rate" --seconds "$low_warmup" --publishers "${PUBLISHERS:-1}" --label warmup >/dev/null 2>&1 || true
fi
servers="push"
[ -n "$jar_b" ] && servers="push pushb"
servers="$servers nchan"
[ -n "$floor" ] && servers="$servers floor" && mkdir -p "$work/floor"
timeline=()
[ -n "${TIMELINE:-}" ] && timeline=(--timeline)
rounds=${ROUNDS:-1}
rows="$work/rows"
for round in $(seq 1 "$rounds"); do
for rate in $rates; do
  topic="bench$rate$RANDOM"
  "$client" --port 8080 --ws-path "/ws?topics=$topic" --pub-path "/publish/$topic" --subscribers "$subscribers" \
    --rate "$rate" --seconds "$seconds" --publishers "${PUBLISHERS:-1}" --server-pid "$java_pid" \
    --label push-engine "${timeline[@]}" 2>"$work/push/client.run" | tee -a "$rows"
  if [ -n "$jar_b" ]; then
    "$client" --port 8081 --ws-path "/ws?topics=$topic" --pub-path "/publish/$topic" --subscribers "$subscribers" \
      --rate "$rate" --seconds "$seconds" --publishers "${PUBLISHERS:-1}" --server-pid "$pushb_pid" \
      --label push-engine-b "${timeline[@]}" 2>"$work/pushb/client.run" | tee -a "$rows"
  fi
  "$client" --port 8090 --ws-path "/sub?ch=$topic" --pub-path "/pub?ch=$topic" --subscribers "$subscribers" \
    --rate "$rate" --seconds "$seconds" --publishers "${PUBLISHERS:-1}" --server-pid "$nchan_worker" \
    --label nchan "${timeline[@]}" 2>"$work/nchan/client.run" | tee -a "$rows"
  if [ -n "$floor" ]; then
    "$client" --port 8070 --ws-path "/ws?topics=$topic" --pub-path "/publish/$topic" --subscribers "$subscribers" \
      --rate "$rate" --seconds "$seconds" --publishers "${PUBLISHERS:-1}" --server-pid "$floor_pid" \
      --label floor "${timeline[@]}" 2>"$work/floor/client.run" | tee -a "$rows"
  fi
  for server in $servers; do
    if [ -n "${TIMELINE:-}" ]; then
      sed -n '/^second deliveries/,$p' "$work/$server/client.run" >"bench/target/timeline-$server-$rate.txt"
      sed '/^second deliveries/,$d' "$work/$server/client.run" >>"$work/$server/client.err"
    else
      cat "$work/$server/client.run" >>"$work/$server/client.err"
    fi
  done
done
done
if [ "$rounds" -gt 1 ] && [ -s "$rows" ]; then
  # per rate and server: the median of the rounds' p99 and server CPU (columns 11 and 14 of a row), and the ratios
  echo
  echo "Medians of $rounds rounds:"
  echo
  echo "| rate | server | p99 ms (median) | p99 ms (rounds) | server CPU % (median) | CPU % (rounds) | p99 / nchan's | CPU / nchan's |"
  echo "|---|---|---|---|---|---|---|---|"
  awk -F'|' '
    function median(list,    n, v, i, j, t) {
      n = split(list, v, " ");
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
      return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    /^\| / {
      server = $2; gsub(/ /, "", server); rate = $4; sub(/ ev\/s.*/, "", rate); gsub(/ /, "", rate);
      p99 = $11; gsub(/ /, "", p99); cpu = $14; gsub(/[ %]/, "", cpu);
      key = rate SUBSEP server;
      if (!(key in p99s)) { order[++count] = key }
      p99s[key] = p99s[key] " " p99; cpus[key] = cpus[key] " " cpu
    }
    END {
      for (i = 1; i <= count; i++) {
        split(order[i], k, SUBSEP); rate = k[1]; server = k[2];
        p = median(p99s[order[i]]); c = median(cpus[order[i]]);
        n = rate SUBSEP "nchan";
        rp = (n in p99s) ? sprintf("%.2fx", p / median(p99s[n])) : "n/a";
        rc = (n in cpus && median(cpus[n]) > 0) ? sprintf("%.2fx", c / median(cpus[n])) : "n/a";
        printf "| %s ev/s | %s | %.2f |%s | %.1f |%s | %s | %s |\n", rate, server, p, p99s[order[i]], c, cpus[order[i]], rp, rc
      }
    }' "$rows"
fi
for f in "$work"/push/client.err "$work"/pushb/client.err "$work"/nchan/client.err "$work"/floor/client.err; do
  [ -s "$f" ] && { echo; echo "$(basename "$(dirname "$f")") client said:"; sort "$f" | cut -c1-120 | uniq -c | head -5; }
done
exit 0

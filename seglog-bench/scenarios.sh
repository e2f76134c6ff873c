#!/usr/bin/env bash
# Runs the seglog-alone scenarios (package io.seglog.bench.scenario) and keeps their output.
#
#   cd <repo> && mvn -B -q -pl seglog-bench -am package -DskipTests
#   seglog-bench/scenarios.sh [all|group|async|recovery|heap|tail|fsync|probe|pages] [out-dir]
#
# fsync (not part of all: needs fio) interleaves, three times, fio's 4 KiB write+fdatasync rate
# (appending to a new file, as a log does) with seglog's one-writer SyncPolicy.ALWAYS rate for
# 4 KiB records on the same directory: the issue-3 target is seglog >= 0.8x fio.
#
# Logs are written under $SEGLOG_SCENARIO_DIR (default /tmp/seglog-scenarios): that is the disk
# being measured. Recovery's cold runs drop the page cache, which needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=seglog-bench/target/seglog-benchmarks.jar
WHAT=${1:-all}
OUT=${2:-seglog-bench/target/scenarios}
DIR=${SEGLOG_SCENARIO_DIR:-/tmp/seglog-scenarios}
mkdir -p "$OUT" "$DIR"
[ -f "$JAR" ] || { echo "build first: mvn -B -q -pl seglog-bench -am package -DskipTests" >&2; exit 1; }

machine() {
  echo "# $(date -u +%FT%TZ) $(uname -sr) cpus=$(nproc) mem=$(free -g | awk '/Mem:/{print $2}')GiB"
  echo "# $(java -version 2>&1 | head -1)"
  echo "# fs: $(df -T "$DIR" | awk 'NR==2{print $1, $2, $7}')  load: $(cat /proc/loadavg)"
}

run() { # name, main class, args...
  local name=$1 main=$2
  shift 2
  { machine; java -Dseglog.scenario.dir="$DIR" -cp "$JAR" "io.seglog.bench.scenario.$main" "$@"; } \
    | tee "$OUT/$name.txt"
}

case $WHAT in
  group|all) run group-commit GroupCommit threads=1,4,16,64 seconds=5 warmup=1 runs=3 spinMicros=0,1000 ;;&
  async|all) run async-inflight AsyncInFlight inflight=1,64,1024 seconds=5 warmup=1 runs=3 ;;&
  recovery|all) run recovery RecoveryTime sizes=1,4 runs=5 tail=10 ;;&
  tail|all) run tail-latency TailLatency modes=written,durable,readonly records=20000 intervalMicros=200 runs=3 ;;&
  heap|all)
    run heap HeapAndFiles millions=1,5,10 cacheMiB=default runs=3 randomReads=100000
    # Fewer random reads: once the indexes outgrow the cache, each miss reloads a whole index.
    run heap-cache16 HeapAndFiles millions=1,5,10 cacheMiB=16 runs=3 randomReads=10000 ;;
  probe) # the disk alone, no log: write+fdatasync of a growing vs a pre-zeroed file, then N threads,
         # then writes into fresh against cached page-cache pages
    run fsync-probe-write FsyncProbe probe=write file=grow,prezeroed,zeroed-ahead,direct chunk=120000 syncs=3000 runs=3
    run fsync-probe-small FsyncProbe probe=write file=grow,prezeroed,zeroed-ahead,direct chunk=148 syncs=10000 runs=3
    run fsync-probe-threads FsyncProbe probe=threads threads=1,2,4,8 chunk=148 seconds=3 runs=3
    run page-probe FsyncProbe probe=pages mib=360 runs=10 ;;
  pages) # only the last probe: fresh against cached page-cache pages, no fsync
    run page-probe FsyncProbe probe=pages mib=360 runs=10 ;;
  fsync)
    command -v fio >/dev/null || { echo "scenarios: fsync needs fio (apt-get install -y fio)" >&2; exit 2; }
    {
      machine
      for round in 1 2 3; do
        fio --name=fdatasync-4k-append --directory="$DIR" --filename=fio-4k.dat --rw=write \
          --bs=4096 --size=1G --ioengine=psync --fdatasync=1 --file_append=1 --time_based=1 \
          --runtime=10 --unlink=1 --output-format=json >"$OUT/fio-4k-$round.json"
        python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["jobs"][0]; w=j["write"]
print("round %s fio 4KiB append+fdatasync: %.0f/s" % (sys.argv[2], w["total_ios"] / (w["runtime"] / 1000.0)))' \
          "$OUT/fio-4k-$round.json" "$round"
        rm -rf "$DIR/peers-fsync"
        seglog-bench/peer-runner.sh --dir "$DIR/peers-fsync" --systems seglog,baseline \
          --workloads append-4KiB-durable --reps 1 --warmup 1 --max-seconds 10 \
          | grep -E "^\| (seglog|baseline) " | sed "s/^/round $round /"
      done
    } | tee "$OUT/fsync.txt" ;;
  group|async|recovery|tail) ;;
  *) echo "unknown scenario: $WHAT" >&2; exit 2 ;;
esac

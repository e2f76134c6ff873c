#!/usr/bin/env bash
# fio's view of the disk under a directory: the physical limits the peer comparison is judged
# against (docs/PERFORMANCE.md, "Peer comparison").
#
#   seglog-bench/fio-baseline.sh DIR [RUNTIME_SECONDS]
#
# Sequential buffered writes (ioengine=psync) to a file in DIR, one fdatasync after every write,
# for each write size below, in two modes:
#   in-place  fio's default: the 1 GiB file is laid out (fallocate) first, writes stay inside it
#   append    file_append=1 on an empty file: every write extends the file, as a log's appends do,
#             so each fdatasync must also persist the new file size
# The table has one row per size and mode. Each size is the bytes one sync covers in a peer-runner workload:
#   4 KiB                  one-writer durable appends of 4 KiB (the issue 3 target: >= 0.8x this rate)
#   100 B                  append-100B-durable (one record per sync)
#   100000 B  = 1000 x 100 B     append-100B-sync1000
#   1024000 B = 1000 x 1 KiB     append-1KiB-sync1000
# Prints fdatasyncs/s, MB/s (10^6 B/s) and the record rate those imply. Needs fio (apt-get install
# fio) and python3 to summarize fio's JSON; the raw JSON is kept next to the summary when asked
# with KEEP_JSON=1.
set -euo pipefail
if [[ $# -lt 1 || ! -d "$1" ]]; then
  echo "usage: fio-baseline.sh DIR [RUNTIME_SECONDS]   (DIR must exist, on the disk to measure)" >&2
  exit 2
fi
dir="$(cd "$1" && pwd)"
runtime="${2:-10}"
command -v fio >/dev/null || { echo "fio-baseline: fio not found (apt-get install -y fio)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "fio-baseline: python3 not found" >&2; exit 2; }

echo "# fio baseline on $dir ($(fio --version), ${runtime} s per job)"
echo
echo "- file system: $(stat -f -c %T "$dir"); $(df -T "$dir" | tail -1 | awk '{print $1" "$2}')"
echo
echo "| writes of | mode | records per sync | fdatasync/s | MB/s | records/s implied |"
echo "|---:|---|---:|---:|---:|---:|"
# name:block size:records covered by one sync
for mode in in-place append; do
for job in 4KiB:4096:1 100B:100:1 100x1000B:100000:1000 1KiBx1000:1024000:1000; do
  IFS=: read -r name bs records <<<"$job"
  append=0
  [[ "$mode" == append ]] && append=1
  out="$(mktemp)"
  fio --name="fdatasync-$name-$mode" --directory="$dir" --filename="fio-baseline-$name.dat" \
    --rw=write --bs="$bs" --size=1G --ioengine=psync --fdatasync=1 --file_append="$append" \
    --time_based=1 --runtime="$runtime" --unlink=1 --output-format=json >"$out"
  python3 - "$out" "$bs" "$records" "$mode" <<'PY'
import json, sys
path, bs, records, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
job = json.load(open(path))["jobs"][0]
w = job["write"]
seconds = w["runtime"] / 1000.0
writes = w["total_ios"]
syncs = job.get("sync", {}).get("total_ios", writes) or writes
rate = syncs / seconds
mbps = w["io_bytes"] / seconds / 1e6
print(f"| {bs} B | {mode} | {records} | {rate:,.0f} | {mbps:.1f} | {rate * records:,.0f} |")
PY
  if [[ "${KEEP_JSON:-0}" == 1 ]]; then
    cp "$out" "fio-baseline-$name-$mode.json"
  fi
  rm -f "$out"
done
done

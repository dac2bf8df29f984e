#!/usr/bin/env bash
# storescu → findings: how long a study takes from dcmtk's storescu returning to its findings being readable through
# the REST API, through a real Orthanc (Debian's) and its change feed, with `ctbone serve` (SQLite, in-memory jobs).
# Each study is a distinct phantom (its own UIDs). Orthanc's StableAge is 2 s here (Orthanc's default is 60 s, which
# adds 58 s to every figure below); CtBone polls the feed every 0.5 s.
#   bash bench/pacs-latency.sh [STUDIES=5]      (after: dotnet build CtBone.sln -c Release)
# Orthanc 1.10 listens on every interface, so the whole run happens in a private network namespace with only lo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ctbone=$root/src/CtBone.Cli/bin/Release/net10.0/linux-x64/ctbone
n=${1:-5}

if [ "${CTBONE_INSIDE_NETNS:-}" != 1 ]; then
  work=$(mktemp -d /tmp/ctbone-pacs-latency.XXXXXX)
  for i in $(seq 1 "$n"); do
    "$ctbone" phantom "$work/studies/s$i" --seed $((700 + i)) --no-table >/dev/null
  done
  export CTBONE_INSIDE_NETNS=1 CTBONE_WORK=$work
  unshare -n bash -c 'ip link set lo up && exec bash "$0" "$1"' "$0" "$n"
  rm -rf "$work"
  exit 0
fi

work=$CTBONE_WORK
export TCP_NODELAY=1
mkdir -p "$work/orthanc"
cat > "$work/orthanc/orthanc.json" <<JSON
{ "Name": "bench", "StorageDirectory": "$work/orthanc/db", "IndexDirectory": "$work/orthanc/db",
  "HttpPort": 18042, "DicomPort": 14242, "DicomAet": "BENCH", "DicomAlwaysAllowStore": true,
  "RemoteAccessAllowed": false, "AuthenticationEnabled": false, "StableAge": 2, "SyncStorageArea": false }
JSON
/usr/sbin/Orthanc "$work/orthanc/orthanc.json" --logfile="$work/orthanc/log" --no-jobs >/dev/null 2>&1 &
orthanc=$!
until curl -sf http://127.0.0.1:18042/system >/dev/null; do sleep 0.2; done

viewer=$("$ctbone" keys create --data "$work/data" --role viewer --name bench 2>/dev/null)
CtBone__Orthanc__Url=http://127.0.0.1:18042/ CtBone__Orthanc__PollSeconds=0.5 \
  "$ctbone" serve --data "$work/data" --urls http://127.0.0.1:15999 >"$work/serve.log" 2>&1 &
serve=$!
until curl -sf http://127.0.0.1:15999/health/ready >/dev/null; do sleep 0.2; done

latencies=()
for i in $(seq 1 "$n"); do
  mapfile -t files < <(find "$work/studies/s$i" -type f ! -name '*.json' | sort)
  start=$(date +%s.%N)
  storescu -aec BENCH 127.0.0.1 14242 "${files[@]}"
  sent=$(date +%s.%N)
  until [ "$(curl -sf -H "Authorization: Bearer $viewer" 'http://127.0.0.1:15999/api/analyses?state=completed&all=true' | jq .total)" -ge "$i" ]; do
    sleep 0.05
  done
  done_at=$(date +%s.%N)
  latency=$(echo "$done_at - $sent" | bc)
  latencies+=("$latency")
  printf 'study %d: %d files, storescu %.2f s, storescu end to findings %.2f s' "$i" "${#files[@]}" "$(echo "$sent - $start" | bc)" "$latency"
  # Where the time went: Orthanc's StableAge and the feed until the record exists, then queue, fetch + analysis + post.
  id=$(curl -sf -H "Authorization: Bearer $viewer" 'http://127.0.0.1:15999/api/analyses?state=completed&all=true&pageSize=1' | jq -r '.items[0].id')
  curl -sf -H "Authorization: Bearer $viewer" "http://127.0.0.1:15999/api/analyses/$id" | SENT=$sent python3 -c '
import json, os, sys, datetime
r = json.load(sys.stdin)
t = lambda s: datetime.datetime.fromisoformat(s).timestamp()
sent = float(os.environ["SENT"])
print(" (to queued %.1f s, waiting %.1f s, fetch+analysis+post %.1f s; analysis itself %.1f s)" % (
    t(r["createdAt"]) - sent, t(r["startedAt"]) - t(r["createdAt"]), t(r["finishedAt"]) - t(r["startedAt"]),
    sum(r["findings"]["timingsMs"].values()) / 1000))'

done
printf '%s\n' "${latencies[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "median storescu end to findings: %.2f s over %d studies (min %.2f, max %.2f)\n", (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2), NR, a[1], a[NR] }'
kill "$serve" "$orthanc"
wait 2>/dev/null || true

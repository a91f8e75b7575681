#!/usr/bin/env bash
# usage: scripts/ci/labStats.sh start|stop|disk|summary <stack>   (the e2e workflow)
#   start:   sample the memory of every container (docker stats --no-stream) and of the host (free) every
#            $KINDMESH_STATS_INTERVAL seconds (default 10), in the background, into $KINDMESH_STATS_DIR;
#   stop:    stop sampling;
#   disk:    record what the lab takes on disk now (docker system df), e.g. right after up;
#   summary: print the Markdown for $GITHUB_STEP_SUMMARY: the phases (scripts/ci/phase.sh), the peak memory of
#            the containers and the host, the node containers at that peak, and the disk record.
set -uo pipefail
cmd="${1:-}"
stack="${2:-}"
dir="${KINDMESH_STATS_DIR:-${RUNNER_TEMP:-/tmp}/kindmesh-stats}"
phases="${KINDMESH_PHASES:-${RUNNER_TEMP:-/tmp}/kindmesh-phases.md}"
mkdir -p "$dir"

# "1.5GiB / 7.7GiB" -> MiB used (docker stats prints binary units, B, and sometimes decimal ones).
to_mib='
  function mib(v,  n, u) {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "B") return n / 1048576
    if (u == "KiB" || u == "kB") return n / 1024
    if (u == "MiB" || u == "MB") return n
    if (u == "GiB" || u == "GB") return n * 1024
    if (u == "TiB" || u == "TB") return n * 1048576
    return 0
  }'

sample() {
  local stats host
  stats=$(docker stats --no-stream --format '{{.Name}} {{.MemUsage}}' 2>/dev/null) || return 0
  host=$(free -m 2>/dev/null | awk '/^Mem:/ {print $3}')
  printf '%s\n' "$stats" | awk -v now="$(date +%s)" -v host="${host:-0}" "$to_mib"'
    NF >= 2 { total += mib($2); n++ }
    END { printf "%d %.0f %d %s\n", now, total, n, host }' >>"$dir/samples"
}

case "$cmd" in
  start)
    : >"$dir/samples"
    ( while :; do sample; sleep "${KINDMESH_STATS_INTERVAL:-10}"; done ) >/dev/null 2>&1 &
    echo $! >"$dir/pid"
    ;;
  stop)
    [ -f "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null
    rm -f "$dir/pid"
    sample
    ;;
  disk)
    {
      docker system df --format '{{.Type}}: {{.Size}}' 2>&1
      clusters=$(docker ps --filter label=io.x-k8s.kind.cluster --format '{{.Label "io.x-k8s.kind.cluster"}}' 2>/dev/null)
      echo "kind clusters: $(printf '%s' "$clusters" | sort -u | grep -c .), node containers: $(printf '%s' "$clusters" | grep -c .)"
    } >"$dir/disk"
    ;;
  summary)
    echo "### kindmesh e2e: ${stack}"
    echo
    echo "| phase | wall clock | outcome |"
    echo "|---|---|---|"
    [ -f "$phases" ] && cat "$phases"
    echo
    if [ -s "$dir/samples" ]; then
      sort -k2,2n "$dir/samples" | tail -n 1 | awk '{printf "Peak memory of all containers: %d MiB (%d containers at that moment).\n", $2, $3}'
      sort -k4,4n "$dir/samples" | tail -n 1 | awk '{printf "Peak memory used on the host: %d MiB.\n", $4}'
      echo "Samples: $(wc -l <"$dir/samples"), every ${KINDMESH_STATS_INTERVAL:-10} s."
    else
      echo "No memory samples were taken."
    fi
    if [ -s "$dir/disk" ]; then
      echo
      echo "Disk after up (docker system df):"
      sed 's/^/- /' "$dir/disk"
    fi
    ;;
  *)
    echo "usage: scripts/ci/labStats.sh start|stop|disk|summary <stack>" >&2
    exit 2
    ;;
esac

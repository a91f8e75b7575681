#!/usr/bin/env bash
# usage: scripts/ci/phase.sh <phase> <command> [args...]   (the e2e workflow)
# Runs one phase of the day-2 story, appends "| phase | seconds | outcome |" to $KINDMESH_PHASES (default
# $RUNNER_TEMP/kindmesh-phases.md) for the job summary, and exits with the command's own status.
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: scripts/ci/phase.sh <phase> <command> [args...]" >&2; exit 2; }
name="$1"
shift
out="${KINDMESH_PHASES:-${RUNNER_TEMP:-/tmp}/kindmesh-phases.md}"
start=$(date +%s)
"$@"
status=$?
if [ "$status" -eq 0 ]; then outcome=ok; else outcome="failed (exit $status)"; fi
echo "| $name | $(( $(date +%s) - start )) s | $outcome |" >>"$out"
exit "$status"

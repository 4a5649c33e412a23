#!/usr/bin/env bash
# with_load.sh N COMMAND...: run COMMAND with N CPU-bound processes beside it (make e2e LOAD=N),
# to show the tests pass on a busy machine. The processes stop when COMMAND ends, however it ends
# (a trap, and each one also stops once this script is gone), after LOAD_MAX_S seconds (default
# 1800) at the latest.
set -euo pipefail
load=${1:-}
shift || true
if [[ ! $load =~ ^[0-9]+$ ]] || (($# == 0)); then
  echo "error: usage: with_load.sh N COMMAND... (N, the number of CPU-bound processes, is a whole number; got '$load')" >&2
  exit 2
fi
max_s=${LOAD_MAX_S:-1800}
pids=()
stop() {
  ((${#pids[@]})) || return 0
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  echo "==> load: stopped the $load CPU-bound processes"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Counting is pure CPU work; between rounds of it, each process checks that this script still runs.
burn='while kill -0 "$1" 2>/dev/null; do for ((i = 0; i < 200000; i++)); do :; done; done'
for ((n = 0; n < load; n++)); do
  timeout "$max_s" bash -c "$burn" cpu-load $$ &
  pids+=("$!")
done
echo "==> load: $load CPU-bound processes (pids ${pids[*]:-none}) beside the command, until it ends or for ${max_s} s at most"
started=$SECONDS
status=0
"$@" || status=$?
echo "==> load: the command ran $((SECONDS - started)) s beside $load CPU-bound processes, exit status $status"
exit "$status"

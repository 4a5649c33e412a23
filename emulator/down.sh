#!/usr/bin/env bash
# Test infrastructure: stop the emulator started by emulator/up.sh, with everything it started
# (DynamoDB Local's JVM, Lambda runtime processes). Safe to run when nothing runs.
# Keeps .local/emulator (venv, DynamoDB Local, caches) so the next up is fast; state was in memory.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

GRACE_S="${EMULATOR_STOP_GRACE:-10}"

descendants() {
    # All processes below $1, depth first; Lambda runtimes sit in their own sessions, so the
    # process group alone would miss them.
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        printf '%s\n' "$child"
        descendants "$child"
    done
}

alive() {
    # The given PIDs that still run, each once.
    local pid
    for pid in $(printf '%s\n' "$@" | sort -u); do kill -0 "$pid" 2>/dev/null && printf '%s ' "$pid"; done
    return 0
}

clean_scratch() {
    # Unzipped function code, runtime /tmp dirs, LocalStack's temp state: all rebuilt on start.
    rm -rf "$EMU_TMP" "$EMU_FS/tmp" "$EMU_FS/var/lib/localstack/tmp"
}

if ! pid="$(running_pid)"; then
    rm -f "$EMU_PIDFILE"
    if holder="$(ss -Hltnp "sport = :$EMU_PORT" 2>/dev/null)" && [ -n "$holder" ]; then
        say "no emulator of this checkout runs, but port $EMU_PORT is held by: $holder"
    else
        say "LocalStack is not running"
    fi
    clean_scratch
    exit 0
fi

started=$(now)
family="$(descendants "$pid" | tr '\n' ' ')"
say "stopping LocalStack (pid $pid${family:+, children $family})"
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq $((GRACE_S * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
    family="$family $(descendants "$pid" | tr '\n' ' ')"
    say "LocalStack ignored SIGTERM for ${GRACE_S} s: sending SIGKILL"
    kill -KILL -- "-$pid" "$pid" 2>/dev/null || true
fi
# Children LocalStack did not stop itself (or that SIGKILL orphaned).
# shellcheck disable=SC2086  # word lists of PIDs
if left="$(alive $family)" && [ -n "$left" ]; then
    say "stopping leftover children: $left"
    kill -TERM $left 2>/dev/null || true
    sleep 2
    left="$(alive $left)"
    [ -z "$left" ] || kill -KILL $left 2>/dev/null || true
fi
for _ in $(seq 50); do  # a zombie until its parent reaps it: wait a little, not forever
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
rm -f "$EMU_PIDFILE"
clean_scratch
say "LocalStack stopped in $(since "$started") s"

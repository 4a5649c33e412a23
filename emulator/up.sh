#!/usr/bin/env bash
# Test infrastructure: start the offline AWS emulator (LocalStack host mode) on 127.0.0.1:4566.
# Runs setup.sh first; a no-op when it already answers. Stop it with emulator/down.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

START_TIMEOUT_S="${EMULATOR_START_TIMEOUT:-90}"

bash "$EMU_SRC/setup.sh"
pid="$(running_pid || true)"

if health_ok; then
    say "LocalStack already running at $EMU_URL${pid:+ (pid $pid)}"
    exit 0
fi
if [ -n "$pid" ]; then
    say "LocalStack (pid $pid) is starting; waiting for it"
else
    for port in "$EMU_PORT" "$EMU_DDB_PORT"; do
        if holder="$(ss -Hltnp "sport = :$port" 2>/dev/null)" && [ -n "$holder" ]; then
            die "port $port is already in use by something else: $holder" \
                "stop that process (another checkout's emulator: bash <that checkout>/emulator/down.sh)"
        fi
    done
    say "starting LocalStack (log: $EMU_LOG)"
    mkdir -p "$EMU_TMP"
    rm -rf "$EMU_DIR/deliveries"  # what the previous run's functions were handed
    : >"$EMU_LOG"
    (
        unset PYTHONPATH PYTHONHOME PYTHONSTARTUP  # the venv alone decides what LocalStack imports
        export_localstack_env
        cd "$EMU_DIR"
        # Own session and process group, so down.sh can stop it with everything it started.
        exec setsid "$EMU_VENV/bin/python" -m localstack.runtime.main </dev/null >>"$EMU_LOG" 2>&1
    ) &
    pid=$!
    printf '%s\n' "$pid" >"$EMU_PIDFILE"
fi

likely_cause() {
    if grep -q "No component plugins found" "$EMU_LOG"; then
        echo "LocalStack runs on Python < 3.12 or its venv is broken"
    elif grep -q -i "address already in use" "$EMU_LOG"; then
        echo "a port LocalStack needs ($EMU_PORT or $EMU_DDB_PORT) is taken"
    elif grep -q -E "ModuleNotFoundError|ImportError|No module named" "$EMU_LOG"; then
        echo "the venv misses a package (an edited lock or a half-finished setup)"
    else
        echo "unknown: read $EMU_LOG"
    fi
}

started=$(now)
printf '==> waiting for %s ' "$EMU_HEALTH_URL"
until health_ok; do
    if ! kill -0 "$pid" 2>/dev/null; then
        printf '\n'
        rm -f "$EMU_PIDFILE"
        tail -n 30 "$EMU_LOG" >&2
        die "LocalStack exited during startup; likely cause: $(likely_cause)" \
            "fix the cause shown there; a broken install is redone by: rm -f $EMU_STAMP && bash emulator/up.sh"
    fi
    if awk -v t="$(since "$started")" -v max="$START_TIMEOUT_S" 'BEGIN { exit !(t >= max) }'; then
        printf '\n'
        tail -n 30 "$EMU_LOG" >&2
        bash "$EMU_SRC/down.sh" >&2 || true
        die "LocalStack did not answer within ${START_TIMEOUT_S} s; likely cause: $(likely_cause)" \
            "on a slow machine retry with EMULATOR_START_TIMEOUT=180 bash emulator/up.sh"
    fi
    printf '.'
    sleep 0.5
done
printf ' ok\n'
say "LocalStack up at $EMU_URL in $(since "$started") s (pid $pid)"

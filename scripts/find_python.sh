#!/usr/bin/env bash
# Prints the path of a working Python X.Y: pythonX.Y on PATH (a pyenv shim may exist without
# working, so it is run once), else pyenv's newest X.Y; prints nothing when neither has it.
# Shared by the Makefile and tests/test_python_floors.py.
set -euo pipefail
version=${1:?usage: find_python.sh X.Y}
if "python$version" -c '' 2>/dev/null; then
  command -v "python$version"
  exit 0
fi
found=$(pyenv versions --bare 2>/dev/null | grep -E "^${version//./\\.}(\.[0-9]+)?$" | sort -V | tail -1 || true)
if [[ -n $found ]]; then
  echo "$(pyenv prefix "$found")/bin/python3"
fi

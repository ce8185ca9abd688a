#!/usr/bin/env bash
# Runs the official Python client (aymara-ai-sdk 1.2.1, from PyPI) against an Aymara emulator.
#
#   crates/aymara/benches/python/run_official.sh --setup
#       creates the virtualenv $TARGET/bench-venv and installs aymara-ai-sdk==1.2.1 (once)
#   crates/aymara/benches/python/run_official.sh SCENARIO --url URL --key KEY [options]
#       sets up if needed, then execs bench_official.py (one fresh Python process)
#
# The Rust bench binary (`cargo bench -p aymara --bench sdk -- --python`) starts the emulator and
# calls this once per scenario. $TARGET is $AYMARA_BENCH_TARGET_DIR, else $CARGO_TARGET_DIR,
# else <repo>/target. $PYTHON picks the interpreter (default python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../../.." && pwd)"
target="${AYMARA_BENCH_TARGET_DIR:-${CARGO_TARGET_DIR:-$repo/target}}"
venv="$target/bench-venv"
python="${PYTHON:-python3}"
package="aymara-ai-sdk==1.2.1"

setup() {
    if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import aymara_ai' 2>/dev/null \
        && [[ "$("$venv/bin/python" -m pip show aymara-ai-sdk 2>/dev/null | sed -n 's/^Version: //p')" == "1.2.1" ]]; then
        return 0
    fi
    echo "run_official.sh: creating $venv and installing $package" >&2
    mkdir -p "$target"
    "$python" -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$package" >&2
}

setup
if [[ "${1:-}" == "--setup" ]]; then
    exit 0
fi
exec "$venv/bin/python" "$here/bench_official.py" "$@"

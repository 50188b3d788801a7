#!/usr/bin/env bash
# Compares two builds of kendall on every scenario under scenarios/ (examples and
# validation): each build's `kendall run --json` output, with `wall_seconds` removed, must be
# byte-identical. Exit 0 when every scenario agrees, 1 otherwise.
#
#   scripts/compare-builds.sh BASE [NEW] [-- RUN FLAGS...]
#
# BASE and NEW are git revisions (NEW defaults to the working tree) or paths to kendall
# binaries. Each revision is built in release mode from a clean export in a temporary
# directory, with its own target directory under ${KENDALL_COMPARE_DIR:-/tmp/kendall-compare}
# (kept between calls, so a second comparison builds only what changed). Flags after `--`
# go to every `kendall run`, for example `-- --replications 3 --customers 20000` for a
# quicker check; without them each file runs as written. A scenario with `[run] horizon`
# gets the flags without `--customers` (which it refuses).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=${KENDALL_COMPARE_DIR:-/tmp/kendall-compare}
mkdir -p "$work"

base=${1:?usage: scripts/compare-builds.sh BASE [NEW] [-- RUN FLAGS...]}
shift
new=""
if [[ $# -gt 0 && $1 != "--" ]]; then
    new=$1
    shift
fi
[[ $# -gt 0 && $1 == "--" ]] && shift
flags=("$@")

# The kendall binary of revision or path $1, built if need be; prints its path.
binary() {
    local what=$1
    if [[ -x $what && ! -d $what ]]; then
        echo "$what"
        return
    fi
    local name src
    if [[ -z $what ]]; then
        name=worktree
        src=$root
    else
        local rev
        rev=$(git rev-parse --verify "$what^{commit}")
        name=$rev
        src=$work/src-$rev
        if [[ ! -d $src ]]; then
            mkdir -p "$src"
            git archive "$rev" | tar -x -C "$src"
        fi
    fi
    (cd "$src" && CARGO_TARGET_DIR=$work/target-$name cargo build --release --quiet) >&2
    echo "$work/target-$name/release/kendall"
}

a=$(binary "$base")
b=$(binary "$new")
echo "base: $a"
echo "new:  $b"
strip() { python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("wall_seconds",None); print(json.dumps(d,indent=1))'; }
differ=0
count=0
# A scenario that runs to a time ([run] horizon) refuses --customers: it gets the flags
# without it, so that it is really compared rather than refused by both builds.
timed_flags=()
skip=0
for x in "${flags[@]+"${flags[@]}"}"; do
    if [[ $skip -eq 1 ]]; then
        skip=0
    elif [[ $x == --customers ]]; then
        skip=1
    elif [[ $x != --customers=* ]]; then
        timed_flags+=("$x")
    fi
done
for f in scenarios/*.toml scenarios/validation/*.toml; do
    count=$((count + 1))
    run_flags=("${flags[@]+"${flags[@]}"}")
    if grep -Eq '^[[:space:]]*horizon[[:space:]]*=' "$f"; then
        run_flags=("${timed_flags[@]+"${timed_flags[@]}"}")
    fi
    out_a=$("$a" run "$f" --json "${run_flags[@]+"${run_flags[@]}"}" 2>&1 | strip 2>&1 || true)
    out_b=$("$b" run "$f" --json "${run_flags[@]+"${run_flags[@]}"}" 2>&1 | strip 2>&1 || true)
    if [[ "$out_a" != "$out_b" ]]; then
        differ=$((differ + 1))
        echo "DIFFERS: $f"
        diff <(echo "$out_a") <(echo "$out_b") | head -20 || true
    fi
done
echo "$count scenarios compared, $differ differ"
[[ $differ -eq 0 ]]

#!/usr/bin/env bash
# Interleaved A/B benchmark rounds, shared by Scripts/bench (host) and the VM guest run.
#
#   bench-loop.sh RUN OUT_CSV ROUNDS SECONDS SIZES "ALGS" SWIFT_ENGINE "C_ENGINES" "EXTRA_INFLIGHT"
#
# Each round runs, per algorithm, every C engine and the Swift engine (inflight 1, one repeat each), alternating
# which goes first; lines are appended to OUT_CSV with RUN prepended. Afterwards one Swift run measures the
# callback Request API and the async API at EXTRA_INFLIGHT (3 repeats), labelled RUN-inflight, with its own
# sync rows as the same-window baseline. A failing C engine (e.g. libkcapi
# without crypto_user) is noted on stderr and dropped from later rounds for that algorithm; one that does not offer
# the algorithm (exit 2: libkcapi for AEAD/hash names) is skipped quietly. An algorithm `kcrypto speed` cannot run
# (e.g. AEAD/hash before those engines exist) is noted once and its Swift cells skipped; the C rows still run.
set -uo pipefail
run="$1" out="$2" rounds="$3" seconds="$4" sizes="$5" algs="$6" swift_engine="$7" c_engines="$8" extra="${9:-}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kcrypto="$root/.build/release/kcrypto"
cbase="$root/.build/release/kcapi-c-baseline"
declare -A dead=()

swift_cell() {  # alg
    [[ -n "${dead[swift|$1]:-}" ]] && return 0
    local tmp rc=0
    tmp="$(mktemp)"
    "$kcrypto" speed -c "$1" --engine "$swift_engine" --sizes "$sizes" --inflight 1 --seconds "$seconds" \
        --repeat 1 --format csv >"$tmp" 2>>"$out.stderr" || rc=$?
    if (( rc != 0 )) || [[ ! -s "$tmp" ]]; then
        echo "[$run] kcrypto speed cannot run $1 on the $swift_engine engine (exit $rc); Swift cells for $1 skipped" \
            | tee -a "$out.stderr" >&2
        dead[swift|$1]=1
    fi
    tail -n +2 "$tmp" | sed "s/^/$run,/" >>"$out"
    rm -f "$tmp"
}
c_cell() {  # engine alg
    [[ -n "${dead[$1|$2]:-}" ]] && return 0
    local tmp rc=0
    tmp="$(mktemp)"
    "$cbase" --engine "$1" -c "$2" --sizes "$sizes" --seconds "$seconds" --no-header >"$tmp" 2>>"$out.stderr" || rc=$?
    if (( rc == 2 )); then
        dead[$1|$2]=1  # not offered for this algorithm (e.g. libkcapi for AEAD/hash): no rows, no noise
    elif (( rc != 0 )); then
        echo "C engine $1 failed for $2 (exit $rc); dropped for $2" | tee -a "$out.stderr" >&2
        dead[$1|$2]=1
    fi
    sed "s/^/$run,/" "$tmp" >>"$out"
    rm -f "$tmp"
}

# Warm-up: instantiate every algorithm once per engine before round 1. In the guest, allocating one algorithm
# can load a module that changes another's driver: xts(aes) loads aesni_intel, and cbc/ctr(aes) then switch from
# aes-generic to aesni — without this, round 1 of cbc/ctr measured a different kernel driver than later rounds.
for alg in $algs; do
    for e in $c_engines; do "$cbase" --engine "$e" -c "$alg" --sizes 16 --seconds 0.001 --no-header >/dev/null 2>&1; done
    "$kcrypto" speed -c "$alg" --engine "$swift_engine" --sizes 16 --inflight 1 --seconds 0.001 --repeat 1 \
        --format csv >/dev/null 2>&1
done

for (( r = 1; r <= rounds; r++ )); do
    echo "[$run] round $r/$rounds" >&2
    for alg in $algs; do
        if (( r % 2 )); then
            for e in $c_engines; do c_cell "$e" "$alg"; done
            swift_cell "$alg"
        else
            swift_cell "$alg"
            for e in $c_engines; do c_cell "$e" "$alg"; done
        fi
    done
done
if [[ -n "$extra" ]]; then
    echo "[$run] request/async API at inflight $extra" >&2
    for alg in $algs; do
        [[ -n "${dead[swift|$alg]:-}" ]] && continue
        "$kcrypto" speed -c "$alg" --engine "$swift_engine" --sizes "$sizes" --inflight "$extra" --async \
            --seconds "$seconds" --repeat 3 --format csv 2>>"$out.stderr" | tail -n +2 \
            | sed "s/^/$run-inflight,/" >>"$out"
    done
fi

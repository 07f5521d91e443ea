#!/usr/bin/env bash
# Streaming throughput in the kernel VM guest (issue 11 item 5): `kcrypto enc --engine kernel` vs libkcapi's
# `kcapi-enc` on the same input file, output to a file on tmpfs, interleaved rounds.
#
#   bench-stream.sh RUN OUT_CSV ROUNDS MIB "ALGS" KCAPI_ENC [STRACE_DIR]
#
# Appends `RUN,tool,algorithm,bytes,seconds,user,system` lines to OUT_CSV (tools: kcapi-enc, kcrypto). Before
# timing, each algorithm's two outputs are compared byte for byte (a mismatch fails the run). With STRACE_DIR, one extra
# untimed run of each tool under `strace -f -c` leaves its system-call summary there.
set -uo pipefail
run="$1" out="$2" rounds="$3" mib="$4" algs="$5" kcapi_enc="$6" strace_dir="${7:-}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kcrypto="$root/.build/release/kcrypto"
dir=/dev/shm/kcapi-stream   # tmpfs in the guest (and input/output both in page cache, as in the issue)
mkdir -p "$dir"
key=000102030405060708090a0b0c0d0e0f iv=101112131415161718191a1b1c1d1e1f
printf '%b' "$(sed 's/../\\x&/g' <<<"$key")" >"$dir/key.bin"
head -c $(( mib << 20 )) /dev/urandom >"$dir/in"
bytes=$(( mib << 20 ))

now() { date +%s.%N; }
# The timed commands run under /usr/bin/time (user and system CPU seconds, 10 ms resolution) as a cross-check
# of the elapsed time: a tool that sleeps shows elapsed well above user + system.
timed() { /usr/bin/time -f '%U,%S' -o "$dir/cpu" "$@"; }
# kcapi-enc pads only a partial last block; the input is a whole number of blocks, so kcrypto runs unpadded.
# stderr goes to a log: on the guest console it is a terminal, and kcrypto would draw its progress line.
kcapi_cmd() { timed "$kcapi_enc" -q -c "$1" -e --iv "$iv" --keyfd 3 -i "$dir/in" -o "$2" 3<"$dir/key.bin" 2>>"$out.stderr"; }
kcrypto_cmd() {  # alg out [extra kcrypto options]
    timed "$kcrypto" enc -c "$1" --engine kernel --padding none --key "$key" --iv "$iv" -i "$dir/in" -o "$2" "${@:3}" \
        2>>"$out.stderr"
}
cell() {  # tool alg
    local t0 t1 rc=0 cpu
    rm -f "$dir/out"
    t0="$(now)"
    case "$1" in
        kcapi-enc) kcapi_cmd "$2" "$dir/out" || rc=$? ;;
        kcrypto) kcrypto_cmd "$2" "$dir/out" || rc=$? ;;
    esac
    t1="$(now)"
    if (( rc )); then echo "[$run] $1 $2 failed (exit $rc)" >&2; return 1; fi
    cpu="$(cat "$dir/cpu")"
    awk -v r="$run" -v t="$1" -v a="$2" -v b="$bytes" -v s="$t0" -v e="$t1" -v c="$cpu" \
        'BEGIN { printf "%s,%s,%s,%d,%.6f,%s\n", r, t, a, b, e - s, c }' >>"$out"
}

status=0
for alg in $algs; do
    # Same bytes from both tools.
    kcapi_cmd "$alg" "$dir/ref" && kcrypto_cmd "$alg" "$dir/out" || { echo "[$run] $alg: a tool failed" >&2; exit 1; }
    if ! cmp -s "$dir/ref" "$dir/out"; then echo "[$run] $alg: kcrypto and kcapi-enc outputs differ" >&2; exit 1; fi
    rm -f "$dir/ref" "$dir/out"
    if [[ -n "$strace_dir" ]] && command -v strace >/dev/null; then
        strace -f -c -o "$strace_dir/strace-kcapi-enc-${alg//[()]/_}.txt" "$kcapi_enc" -q -c "$alg" -e --iv "$iv" \
            --keyfd 3 -i "$dir/in" -o "$dir/out" 3<"$dir/key.bin" 2>>"$out.stderr"
        rm -f "$dir/out"
        strace -f -c -o "$strace_dir/strace-kcrypto-${alg//[()]/_}.txt" "$kcrypto" enc -c "$alg" --engine kernel \
            --padding none --key "$key" --iv "$iv" -i "$dir/in" -o "$dir/out" 2>>"$out.stderr"
        rm -f "$dir/out"
    fi
done
for (( r = 1; r <= rounds; r++ )); do
    echo "[$run] round $r/$rounds" >&2
    for alg in $algs; do
        if (( r % 2 )); then order=(kcapi-enc kcrypto); else order=(kcrypto kcapi-enc); fi
        for tool in "${order[@]}"; do cell "$tool" "$alg" || status=1; done
    done
done
rm -rf "$dir"
exit "$status"

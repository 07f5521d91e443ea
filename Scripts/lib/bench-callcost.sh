#!/usr/bin/env bash
# Instructions per 16-byte message, software engine vs raw C EVP, and the generic byte forms vs the pointer forms
# (issue 22 targets 4 and 5), counted by valgrind's callgrind on the host: deterministic, unaffected by load.
#
#   bench-callcost.sh OUT_CSV NOTE_MD [N]
#
# Swift: Benchmarks/CallCost (a client package: the generic forms are measured as another module sees them), run at
# N (20000) and 0 iterations; per call = (instructions(N) - instructions(0)) / N. C: kcapi-c-baseline's EVP loops
# (compiled here with cc -O2), per message = the inclusive instructions of its one-message function / its calls.
# OUT_CSV gets `algorithm,form,instructions_per_msg` rows (form c-evp, raw, into, array, data, alloc); NOTE_MD a
# Markdown table with Δ against C and against the raw form.
set -euo pipefail
out="$1" note="$2" n="${3:-20000}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null || { echo "bench-callcost: needs valgrind" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

swift build -c release --package-path "$root/Benchmarks/CallCost" >&2
callcost="$(swift build -c release --package-path "$root/Benchmarks/CallCost" --show-bin-path)/callcost"
cc -O2 -I"$root/Benchmarks/CBaseline" "$root"/Benchmarks/CBaseline/*.c -lcrypto -lkcapi -o "$work/cbase"

instructions() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | awk '/Collected/ {print $4}'; }
swift_cost() {
    local zero many
    zero="$(instructions "$callcost" "$1" 0)" many="$(instructions "$callcost" "$1" "$n")"
    echo $(( (many - zero) / n ))
}
c_cost() {  # inclusive instructions of the per-message function, divided by its calls from main
    valgrind --tool=callgrind --callgrind-out-file="$work/c.out" "$work/cbase" --engine evp -c "$1" --sizes 16 \
        --seconds 0.3 --repeat 1 --no-header >/dev/null 2>&1
    callgrind_annotate --tree=caller "$work/c.out" 2>/dev/null \
        | grep -B1 -E '\*  \?\?\?:(hash_|aead_)?evp_one ' | grep -m1 'main (' \
        | awk '{gsub(",", "", $1); n = $0; sub(/.*\(/, "", n); sub(/x\).*/, "", n); gsub(",", "", n); print int($1 / n)}'
}

echo "algorithm,form,instructions_per_msg" >"$out"
alloc="$(swift_cost alloc)"
echo "-,alloc,$alloc" >>"$out"
{
    echo "| algorithm | raw C EVP | Swift pointer form | Δ vs C | [UInt8] form (Δ vs pointer) | Data form (Δ vs pointer) |"
    echo "|---|---|---|---|---|---|"
} >"$note"
for pair in "cbc:cbc(aes)" "gcm:gcm(aes)" "chacha:rfc7539(chacha20,poly1305)" "sha:sha256" "hmac:hmac(sha256)"; do
    short="${pair%%:*}" name="${pair#*:}"
    c="$(c_cost "$name")" raw="$(swift_cost "$short-raw")" array="$(swift_cost "$short-array")" data="$(swift_cost "$short-data")"
    printf '%s,c-evp,%s\n%s,raw,%s\n%s,array,%s\n%s,data,%s\n' "$name" "$c" "$name" "$raw" "$name" "$array" "$name" "$data" >>"$out"
    echo "| $name | $c | $raw | +$(( raw - c )) | $array (+$(( array - raw ))) | $data (+$(( data - raw ))) |" >>"$note"
    if [[ "$short" == cbc ]]; then
        into="$(swift_cost cbc-into)"
        echo "$name,into,$into" >>"$out"
        into_line="\`encrypt(_:into:iv:)\` with the IV as [UInt8] (generic \`iv:\`): $into (+$(( into - raw )) over all-pointer)."
    fi
done
{
    echo
    echo "One 16-byte [UInt8] allocation alone: $alloc instructions (the allocating forms return a new array; a pointer"
    echo "caller writing into its own memory does not pay it). ${into_line:-}"
    echo "Counted by valgrind callgrind (Scripts/lib/bench-callcost.sh, $n calls per form)."
} >>"$note"

# The request path (issue 22 target 1) in instructions: a new callback request per message (chain: [UInt8] input and
# IV, output allocated) and one request over caller memory resubmitted by its completion (resubmit: what
# `kcrypto speed`'s request chains do), against the synchronous pointer form.
{
    echo
    echo "Callback requests, instructions per request (one in flight: each completion submits the next):"
    echo
    echo "| algorithm | pointer call | resubmit (Δ vs call) | new request per message ([UInt8] in and out) |"
    echo "|---|---|---|---|"
} >>"$note"
for pair in "cbc:cbc(aes)" "gcm:gcm(aes)" "sha:sha256"; do
    short="${pair%%:*}" name="${pair#*:}"
    raw="$(swift_cost "$short-raw")" resubmit="$(swift_cost "$short-resubmit")" chain="$(swift_cost "$short-chain")"
    printf '%s,resubmit,%s\n%s,chain,%s\n' "$name" "$resubmit" "$name" "$chain" >>"$out"
    echo "| $name | $raw | $resubmit (+$(( resubmit - raw ))) | $chain |" >>"$note"
done

# Wall clock (issue 22 target 4 is stated in ns): the pointer form against raw C EVP, paired rounds (each round times
# one Swift run of $wall_n calls minus a run of 0, then one C run), median of the per-round differences.
wall_rounds="${CALLCOST_WALL_ROUNDS:-7}" wall_n=2000000
now_ns() { date +%s%N; }
{
    echo
    echo "Wall clock, ns per 16-byte message ($wall_rounds paired rounds, medians; Swift: $wall_n calls of the pointer form"
    echo "minus a run of none; C: kcapi-c-baseline --engine evp, 0.6 s):"
    echo
    echo "| algorithm | raw C EVP | Swift pointer form | Δ (median of per-round differences) | per-round Δ |"
    echo "|---|---|---|---|---|"
} >>"$note"
for pair in "cbc:cbc(aes)" "gcm:gcm(aes)" "chacha:rfc7539(chacha20,poly1305)" "sha:sha256" "hmac:hmac(sha256)"; do
    short="${pair%%:*}" name="${pair#*:}" rows=""
    for ((r = 1; r <= wall_rounds; r++)); do
        t0="$(now_ns)"; "$callcost" "$short-raw" 0 >/dev/null; t1="$(now_ns)"; "$callcost" "$short-raw" "$wall_n" >/dev/null; t2="$(now_ns)"
        c="$("$work/cbase" --engine evp -c "$name" --sizes 16 --seconds 0.6 --repeat 1 --no-header | awk -F, '{print $(NF-1)}')"
        rows+="$(( t2 - t1 - (t1 - t0) )) $c"$'\n'
        echo "$name,wall-swift-ns,$(awk -v d=$(( t2 - t1 - (t1 - t0) )) -v n="$wall_n" 'BEGIN {printf "%.1f", d / n}')" >>"$out"
        echo "$name,wall-c-ns,$c" >>"$out"
    done
    printf '%s' "$rows" | python3 -c '
import statistics, sys
name, n = sys.argv[1], int(sys.argv[2])
pairs = [(int(a) / n, float(b)) for a, b in (line.split() for line in sys.stdin if line.strip())]
s, c = statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
d = [round(a - b) for a, b in pairs]
spread = " ".join("%+d" % x for x in d)
print("| %s | %.1f | %.1f | %+.0f | %s |" % (name, c, s, statistics.median(d), spread))
' "$name" "$wall_n" >>"$note"
done
cat "$note"

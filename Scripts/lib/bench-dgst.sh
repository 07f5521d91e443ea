#!/usr/bin/env bash
# `kcrypto dgst -c sha256 --engine software` against `openssl dgst -sha256` (and coreutils sha256sum, for scale) on
# one file on tmpfs: wall seconds and peak RSS per run, interleaved rounds, the digests checked equal.
#
#   bench-dgst.sh OUT_CSV NOTE_MD [ROUNDS] [MIB]
#
# OUT_CSV gets `tool,round,seconds,rss_kib` lines; NOTE_MD one Markdown paragraph for BENCHMARKS.md (medians,
# kcrypto/openssl throughput ratio against the ≥ 0.9× target, RSS against < 64 MiB). Without a `kcrypto dgst`
# command (it is built in parallel) the kcrypto rows are skipped and the note says so; openssl and sha256sum still run.
set -uo pipefail
out="$1" note="$2" rounds="${3:-3}" mib="${4:-1024}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kcrypto="$root/.build/release/kcrypto"
dir="$(mktemp -d /dev/shm/kcapi-dgst.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
file="$dir/input"
head -c "$(( mib << 20 ))" /dev/urandom >"$file"

have_dgst=0
"$kcrypto" --help 2>/dev/null | grep -qE '^ +dgst( |$)' && have_dgst=1
tools=(openssl sha256sum)
(( have_dgst )) && tools=(kcrypto openssl sha256sum)

run_tool() {  # tool -> prints "seconds rss_kib digest"
    local t="$dir/time" digest
    case "$1" in
        kcrypto) digest="$(/usr/bin/time -o "$t" -f '%e %M' "$kcrypto" dgst -c sha256 --engine software "$file")" ;;
        openssl) digest="$(/usr/bin/time -o "$t" -f '%e %M' openssl dgst -sha256 -r "$file")" ;;
        sha256sum) digest="$(/usr/bin/time -o "$t" -f '%e %M' sha256sum "$file")" ;;
    esac || { echo "fail 0 -"; return; }
    echo "$(tail -n1 "$t") ${digest%% *}"
}

: >"$out"
mismatch=''
for (( r = 1; r <= rounds; r++ )); do
    order=("${tools[@]}")
    (( r % 2 == 0 )) && order=($(printf '%s\n' "${tools[@]}" | tac))
    for tool in "${order[@]}"; do
        read -r seconds rss digest <<<"$(run_tool "$tool")"
        echo "[dgst] round $r/$rounds $tool ${seconds}s ${rss} KiB" >&2
        echo "$tool,$r,$seconds,$rss" >>"$out"
        [[ -n "${digest_seen:-}" && "$digest" != "$digest_seen" ]] && mismatch=" **Digests differ** ($tool)."
        digest_seen="$digest"
    done
done

python3 - "$out" "$note" "$mib" "$have_dgst" "$mismatch" <<'PY'
import csv, statistics, sys
path, note, mib, have, mismatch = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
rows = {}
for tool, _, seconds, rss in csv.reader(open(path)):
    if seconds != "fail":
        rows.setdefault(tool, []).append((float(seconds), int(rss)))
def med(tool): return statistics.median(s for s, _ in rows[tool]) if tool in rows else None
def rss(tool): return max(r for _, r in rows[tool]) if tool in rows else None
size = f"{mib >> 10} GiB" if mib >= 1024 else f"{mib} MiB"
parts = [f"**sha256 of a {size} tmpfs file** (median of {len(rows.get('openssl', []))} runs):"]
for tool, label in (("openssl", "`openssl dgst -sha256`"), ("sha256sum", "coreutils `sha256sum`")):
    if tool in rows:
        parts.append(f"{label} {med(tool):.2f} s, peak RSS {rss(tool) >> 10} MiB;")
if not have:
    parts.append("`kcrypto dgst -c sha256 --engine software`: not measured — this build has no `kcrypto dgst` yet "
                 "(it is being built in parallel); rerun Scripts/bench once it is merged.")
elif "kcrypto" not in rows:
    parts.append("`kcrypto dgst` failed (see the stderr log).")
else:
    ratio = med("openssl") / med("kcrypto")
    parts.append(f"`kcrypto dgst -c sha256 --engine software` {med('kcrypto'):.2f} s ({ratio:.2f}× openssl's "
                 f"throughput; target ≥ 0.9×: {'met' if ratio >= 0.9 else '**missed**'}), peak RSS "
                 f"{rss('kcrypto') >> 10} MiB (target < 64 MiB: {'met' if rss('kcrypto') < 65536 else '**missed**'}).")
open(note, "w").write(" ".join(parts) + mismatch + "\n")
PY

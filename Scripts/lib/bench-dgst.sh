#!/usr/bin/env bash
# `kcrypto dgst -c sha256 --engine software` against `openssl dgst -sha256` (and coreutils sha256sum, for scale) on
# one file on tmpfs: wall seconds and peak RSS per run, interleaved rounds, the digests checked equal.
#
#   bench-dgst.sh OUT_CSV NOTE_MD [ROUNDS] [MIB]
#
# OUT_CSV gets `tool,round,seconds,rss_kib` lines; NOTE_MD one Markdown paragraph for BENCHMARKS.md (medians,
# kcrypto/openssl throughput ratio against the ≥ 0.9× target, RSS against < 64 MiB). Without a `kcrypto dgst`
# command (it is built in parallel) the kcrypto rows are skipped and the note says so; openssl and sha256sum still run.
#
# Then many files (issue 22 target 8): DGST_FILES (8) files of DGST_FILE_MIB (128) MiB on tmpfs, DGST_MULTI_ROUNDS
# (ROUNDS) paired interleaved rounds of `kcrypto dgst` (default --jobs: the online CPUs), `kcrypto dgst --jobs 1`,
# `openssl dgst -sha256` (one file after another), `sha256sum`, and the same for checking the list (`kcrypto dgst
# --check`, with --jobs 1, `sha256sum -c`). Rows go to OUT_CSV minus .csv plus -multi.csv as
# `tool,round,seconds,rss_kib,load1` (load1: the 1-minute load average just before the run; the machine may be
# shared); a second paragraph is appended to NOTE_MD (medians, kcrypto/openssl ratios against the ≥ 1.8× target,
# per-round ratio medians, the load range). DGST_SINGLE=0 skips the one-file part, DGST_MULTI=0 the many-file part.
set -uo pipefail
out="$1" note="$2" rounds="${3:-3}" mib="${4:-1024}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kcrypto="${KCRYPTO:-$root/.build/release/kcrypto}"  # KCRYPTO: another build to measure
dir="$(mktemp -d /dev/shm/kcapi-dgst.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
file="$dir/input"

have_dgst=0
"$kcrypto" --help 2>/dev/null | grep -qE '^ +dgst( |$)' && have_dgst=1
: >"$note"
if [[ "${DGST_SINGLE:-1}" != 0 ]]; then
head -c "$(( mib << 20 ))" /dev/urandom >"$file"
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
rm -f "$file"
fi

[[ "${DGST_MULTI:-1}" == 0 ]] && exit 0
files="${DGST_FILES:-8}" file_mib="${DGST_FILE_MIB:-128}" mrounds="${DGST_MULTI_ROUNDS:-$rounds}"
multi="${out%.csv}-multi.csv"
inputs=()
for (( i = 1; i <= files; i++ )); do
    head -c "$(( file_mib << 20 ))" /dev/urandom >"$dir/in$i"
    inputs+=("$dir/in$i")
done
sha256sum "${inputs[@]}" >"$dir/list"
mtools=(openssl sha256sum)
(( have_dgst )) && mtools=(kcrypto kcrypto-jobs1 openssl sha256sum kcrypto-check kcrypto-check-jobs1 sha256sum-check)

run_multi() {  # tool -> prints "seconds rss_kib digest-list-hash" (the hex column of the output, hashed)
    local t="$dir/time" o="$dir/out" k=("$kcrypto" dgst -c sha256 --engine software)
    case "$1" in
        kcrypto) /usr/bin/time -o "$t" -f '%e %M' "${k[@]}" "${inputs[@]}" >"$o" ;;
        kcrypto-jobs1) /usr/bin/time -o "$t" -f '%e %M' "${k[@]}" --jobs 1 "${inputs[@]}" >"$o" ;;
        openssl) /usr/bin/time -o "$t" -f '%e %M' openssl dgst -sha256 -r "${inputs[@]}" >"$o" ;;
        sha256sum) /usr/bin/time -o "$t" -f '%e %M' sha256sum "${inputs[@]}" >"$o" ;;
        kcrypto-check) /usr/bin/time -o "$t" -f '%e %M' "${k[@]}" --check "$dir/list" >"$o" ;;
        kcrypto-check-jobs1) /usr/bin/time -o "$t" -f '%e %M' "${k[@]}" --jobs 1 --check "$dir/list" >"$o" ;;
        sha256sum-check) /usr/bin/time -o "$t" -f '%e %M' sha256sum -c "$dir/list" >"$o" ;;
    esac || { echo "fail 0 -"; return; }
    echo "$(tail -n1 "$t") $(cut -d' ' -f1 "$o" | sha256sum | cut -c1-16)"
}

: >"$multi"
mismatch=''
declare -A seen=()
for (( r = 1; r <= mrounds; r++ )); do
    order=("${mtools[@]}")
    (( r % 2 == 0 )) && order=($(printf '%s\n' "${mtools[@]}" | tac))
    for tool in "${order[@]}"; do
        load="$(cut -d' ' -f1 /proc/loadavg)"
        read -r seconds rss digest <<<"$(run_multi "$tool")"
        echo "[dgst] files round $r/$mrounds $tool ${seconds}s ${rss} KiB (load $load)" >&2
        echo "$tool,$r,$seconds,$rss,$load" >>"$multi"
        kind=hash; [[ "$tool" == *check* ]] && kind=check
        [[ -n "${seen[$kind]:-}" && "$digest" != "${seen[$kind]}" ]] && mismatch=" **Outputs differ** ($tool)."
        seen[$kind]="$digest"
    done
done

python3 - "$multi" "$note" "$files" "$file_mib" "$mismatch" "$(nproc)" <<'PY'
import csv, statistics, sys
path, note, files, file_mib, mismatch, cpus = sys.argv[1:7]
runs = {}
for tool, rnd, seconds, rss, load in csv.reader(open(path)):
    if seconds != "fail":
        runs.setdefault(tool, {})[int(rnd)] = (float(seconds), int(rss), float(load))
def med(tool): return statistics.median(s for s, _, _ in runs[tool].values())
def rss(tool): return max(r for _, r, _ in runs[tool].values()) >> 10
def paired(tool):  # median over rounds of openssl's time / tool's time in the same round
    both = [runs["openssl"][r][0] / runs[tool][r][0] for r in runs[tool] if r in runs.get("openssl", {})]
    return statistics.median(both) if both else float("nan")
loads = [l for t in runs.values() for _, _, l in t.values()]
rounds = len(runs.get("openssl", {}))
parts = [f"**sha256 of {files} tmpfs files of {file_mib} MiB** (median of {rounds} paired interleaved rounds, "
         f"{cpus} CPUs, 1-minute load {min(loads):.1f}–{max(loads):.1f} during the runs: the machine was shared):"]
for tool, label in (("openssl", "`openssl dgst -sha256` (one file after another)"), ("sha256sum", "coreutils `sha256sum`"),
                    ("sha256sum-check", "`sha256sum -c`")):
    if tool in runs:
        parts.append(f"{label} {med(tool):.2f} s;")
for tool, label in (("kcrypto-jobs1", "`kcrypto dgst --jobs 1` (one file after another, as before)"),
                    ("kcrypto", "`kcrypto dgst` (files in parallel)"),
                    ("kcrypto-check-jobs1", "`kcrypto dgst --jobs 1 --check`"),
                    ("kcrypto-check", "`kcrypto dgst --check` (files in parallel)")):
    if tool not in runs:
        continue
    ratio = med("openssl") / med(tool)
    verdict = "" if "jobs1" in tool else f", target ≥ 1.8×: {'met' if ratio >= 1.8 else '**missed**'}"
    parts.append(f"{label} {med(tool):.2f} s = {ratio:.2f}× openssl's throughput (per-round ratio median "
                 f"{paired(tool):.2f}×{verdict}), peak RSS {rss(tool)} MiB;")
open(note, "a").write("\n" + " ".join(parts) + mismatch + "\n")
PY

#!/usr/bin/env bash
# `kcrypto enc --engine software` against `openssl enc` (issue 22, target 7): one file on tmpfs encrypted to
# /dev/null with ctr(aes) and cbc(aes), AES-128, the same key and IV; wall seconds and peak RSS per run, paired
# interleaved rounds (the order flips every round), the load average before each round recorded (the machine may be
# shared). The outputs are checked equal (sha256 of each tool's ciphertext) before timing.
#
#   bench-enc.sh OUT_CSV NOTE_MD [ROUNDS] [MIB]
#
# OUT_CSV gets `cipher,tool,round,seconds,rss_kib,load1` lines; NOTE_MD a Markdown section (medians, the
# kcrypto/openssl throughput ratio against the ≥ 1.6× target, peak RSS against < 64 MiB, the loads).
# KCRYPTO: the kcrypto binary (default: .build-release/release/kcrypto, as
#   `swift build -c release --product kcrypto --static-swift-stdlib --scratch-path .build-release` builds it).
# KCRYPTO_BEFORE: optionally an older kcrypto binary, measured in the same rounds as `kcrypto-before`.
set -uo pipefail
out="$1" note="$2" rounds="${3:-7}" mib="${4:-1024}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kcrypto="${KCRYPTO:-$root/.build-release/release/kcrypto}"
before="${KCRYPTO_BEFORE:-}"
[[ -x "$kcrypto" ]] || { echo "bench-enc: no kcrypto at $kcrypto (build it first)" >&2; exit 1; }
dir="$(mktemp -d /dev/shm/kcapi-enc.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
file="$dir/input"
head -c "$(( mib << 20 ))" /dev/urandom >"$file"
key=000102030405060708090a0b0c0d0e0f iv=f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff

tools=(kcrypto openssl)
[[ -n "$before" ]] && tools+=(kcrypto-before)

command_for() {  # tool cipher -> the command words, output on stdout
    local alg="$2" ossl
    [[ "$2" == ctr ]] && alg='ctr(aes)' ossl=aes-128-ctr
    [[ "$2" == cbc ]] && alg='cbc(aes)' ossl=aes-128-cbc
    case "$1" in
        kcrypto) echo "$kcrypto" enc -c "$alg" --engine software --key-file "$dir/key" --iv "$iv" -i "$file" ;;
        kcrypto-before) echo "$before" enc -c "$alg" --engine software --key-file "$dir/key" --iv "$iv" -i "$file" ;;
        openssl) echo openssl enc "-$ossl" -K "$key" -iv "$iv" -in "$file" ;;
    esac
}
echo "$key" >"$dir/key"

# The same ciphertext from every tool (a word-split command: no path here holds spaces).
mismatch=''
for cipher in ctr cbc; do
    seen=''
    for tool in "${tools[@]}"; do
        # shellcheck disable=SC2046
        sum="$($(command_for "$tool" "$cipher") | sha256sum)"
        [[ -n "$seen" && "$sum" != "$seen" ]] && mismatch+=" **Ciphertexts differ** ($cipher, $tool)."
        seen="$sum"
    done
done

: >"$out"
for (( r = 1; r <= rounds; r++ )); do
    load="$(cut -d' ' -f1 /proc/loadavg)"
    for cipher in ctr cbc; do
        order=("${tools[@]}")
        (( r % 2 == 0 )) && order=($(printf '%s\n' "${tools[@]}" | tac))
        for tool in "${order[@]}"; do
            start=$EPOCHREALTIME
            # shellcheck disable=SC2046
            if /usr/bin/time -o "$dir/time" -f '%M' $(command_for "$tool" "$cipher") >/dev/null; then
                end=$EPOCHREALTIME
                seconds="$(python3 -c "print(f'{$end - $start:.4f}')")"
            else
                seconds=fail
            fi
            rss="$(tail -n1 "$dir/time")"
            echo "[enc] round $r/$rounds $cipher $tool ${seconds}s ${rss} KiB load $load" >&2
            echo "$cipher,$tool,$r,$seconds,$rss,$load" >>"$out"
        done
    done
done

python3 - "$out" "$note" "$mib" "$mismatch" "$(nproc)" "$(uptime)" <<'PY'
import csv, statistics, sys
path, note, mib, mismatch, cpus, uptime = sys.argv[1:7]
mib = int(mib)
rows, loads = {}, []
for cipher, tool, _, seconds, rss, load in csv.reader(open(path)):
    loads.append(float(load))
    if seconds != "fail":
        rows.setdefault((cipher, tool), []).append((float(seconds), int(rss)))
def med(c, t): return statistics.median(s for s, _ in rows[(c, t)])
def rss(c, t): return max(r for _, r in rows[(c, t)])
size = f"{mib >> 10} GiB" if mib >= 1024 else f"{mib} MiB"
runs = len(rows.get(("ctr", "openssl"), []))
lines = [f"### `kcrypto enc` vs `openssl enc` (issue 22, target 7)", "",
         f"{size} file on tmpfs to /dev/null, AES-128, `--engine software`; median of {runs} paired, interleaved "
         f"rounds; {cpus} CPUs; load average (1 min) before the rounds {min(loads):.2f}–{max(loads):.2f} "
         f"(the machine was shared with other work; `uptime` at the end: {uptime.strip()}).", "",
         "| cipher | tool | median s | throughput vs openssl | peak RSS MiB |", "|---|---|---|---|---|"]
verdicts = []
for cipher, label in (("ctr", "ctr(aes)"), ("cbc", "cbc(aes)")):
    if (cipher, "openssl") not in rows:
        continue
    base = med(cipher, "openssl")
    for tool in ("kcrypto-before", "kcrypto", "openssl"):
        if (cipher, tool) in rows:
            lines.append(f"| {label} | {tool} | {med(cipher, tool):.3f} | {base / med(cipher, tool):.2f}× | "
                         f"{rss(cipher, tool) / 1024:.1f} |")
    if (cipher, "kcrypto") in rows:
        ratio = base / med(cipher, "kcrypto")
        verdicts.append(f"{label}: {ratio:.2f}× openssl (target ≥ 1.6×: {'met' if ratio >= 1.6 else '**missed**'}), "
                        f"peak RSS {rss(cipher, 'kcrypto') / 1024:.1f} MiB (< 64 MiB: "
                        f"{'met' if rss(cipher, 'kcrypto') < 65536 else '**missed**'})")
lines += ["", "; ".join(verdicts) + "." + mismatch, ""]
open(note, "w").write("\n".join(lines))
PY

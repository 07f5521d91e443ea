#!/usr/bin/env bash
# Issue #22 targets 1 and 2 (software engine, this machine): callback and async requests against the synchronous
# call, heap allocations per message, and the scaling curve (1, 2, 4, 8, 64 requests in flight).
#
#   Scripts/lib/bench-requests.sh OUT_DIR [ROUNDS] [SECONDS]
#
# KCRYPTO: the release kcrypto to measure (default .build-release/release/kcrypto, built by the caller);
# KCRYPTO_BEFORE: optionally an older kcrypto measured in the same rounds, interleaved (its rows are "before";
# one without --request-at-one or the allocation counter gives those cells empty).
# Benchmarks/AllocationCounter/allocation-counter.c is compiled with cc and preloaded (allocations per message).
# Writes OUT_DIR/requests.csv (every sample) and OUT_DIR/requests.md (medians, ratios, met/missed).
set -euo pipefail
KCAPI_LOG_TAG=bench-requests
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$KCAPI_REPO_ROOT"
out="${1:?OUT_DIR}" rounds="${2:-5}" seconds="${3:-0.25}"
after="${KCRYPTO:-.build-release/release/kcrypto}" before="${KCRYPTO_BEFORE:-}"
[[ -x "$after" ]] || die "no kcrypto at $after (swift build -c release --product kcrypto --scratch-path .build-release)"
mkdir -p "$out"
scratch="$(mktemp -d)"; trap 'rm -rf "$scratch"' EXIT
counter="$scratch/allocation-counter.so"
cc -O2 -shared -fPIC -o "$counter" Benchmarks/AllocationCounter/allocation-counter.c || die "cannot build the allocation counter"
csv="$out/requests.csv" sample="$scratch/sample.csv"
echo "build,round,load,impl,engine,algorithm,size,inflight,messages,seconds,ns_per_msg,MBps,api,repeats,ns_min,ns_max,driver,allocs_per_msg" >"$csv"
builds=(after); [[ -n "$before" ]] && builds=(before after)
algorithms=(-c 'cbc(aes)' -c 'ctr(aes)' -c 'gcm(aes)' -c 'rfc7539(chacha20,poly1305)' -c sha256 -c 'hmac(sha256)')
for ((r = 1; r <= rounds; r++)); do
    for build in "${builds[@]}"; do
        bin="$after"; [[ "$build" == before ]] && bin="$before"
        load="$(cut -d' ' -f1 /proc/loadavg)"
        info "round $r/$rounds: $build (load average $load)"
        extra=(--request-at-one); "$bin" speed --help | grep -q -- --request-at-one || extra=()
        LD_PRELOAD="$counter" "$bin" speed --engine software "${algorithms[@]}" --sizes 16,4096,65536 \
            --inflight 1,2,4,8,64 --async "${extra[@]}" --seconds "$seconds" --repeat 1 --format csv >"$sample"
        grep -v '^impl,' "$sample" | sed "s/^/$build,$r,$load,/" >>"$csv"
    done
done
python3 "$(dirname "${BASH_SOURCE[0]}")/bench-requests-report.py" "$csv" "$out/requests.md" "$(nproc)"
ok "wrote $out/requests.md"

#!/usr/bin/env python3
"""Report of Scripts/lib/bench-requests.sh: REQUESTS_CSV OUT_MD CPUS.

Medians over rounds per (build, algorithm, size, api, inflight). Target 1 (issue #22): callback and async requests
at 16 B cost at most the synchronous call + 200 ns per message, with 1 and 64 in flight, and at most one heap
allocation per request more than the call. Target 2: with N requests in flight on an N-core machine, throughput at
>= 4 KiB is >= 0.9 N x one synchronous caller (this machine: CPUS cores)."""
import csv
import statistics
import sys
from collections import defaultdict

csv_path, out_path, cpus = sys.argv[1], sys.argv[2], int(sys.argv[3])
ns, allocs, loads = defaultdict(list), defaultdict(list), defaultdict(set)
for row in csv.DictReader(open(csv_path)):
    key = (row["build"], row["algorithm"], int(row["size"]), row["api"], int(row["inflight"]))
    ns[key].append(float(row["ns_per_msg"]))
    if row.get("allocs_per_msg"):
        allocs[key].append(float(row["allocs_per_msg"]))
    loads[row["build"]].add(float(row["load"]))

med = {k: statistics.median(v) for k, v in ns.items()}
amed = {k: statistics.median(v) for k, v in allocs.items()}
builds = [b for b in ("before", "after") if any(k[0] == b for k in med)]
algorithms = list(dict.fromkeys(k[1] for k in med))
rounds = max(len(v) for v in ns.values())
lines = [f"Software engine, `kcrypto speed` (release), {rounds} rounds, median ns per message; machine: {cpus} CPUs; "
         + "; ".join(f"{b}: load average {min(loads[b]):.2f}–{max(loads[b]):.2f}" for b in builds) + ".", ""]

def cell(key, digits=0):
    return f"{med[key]:.{digits}f}" if key in med else "–"

def acell(key):
    return f"{amed[key]:.2f}" if key in amed else "–"

lines += ["### Target 1: requests ≈ calls at 16 B (≤ call + 200 ns; ≤ 1 allocation more per request)", "",
          "| build | algorithm | call ns | request ×1 | request ×64 | async ×1 | async ×64 | worst − call | allocs call / request / async | met |",
          "|---|---|---|---|---|---|---|---|---|---|"]
for b in builds:
    for a in algorithms:
        call = (b, a, 16, "sync", 1)
        if call not in med:
            continue
        others = [(b, a, 16, "request", 1), (b, a, 16, "request", 64), (b, a, 16, "async", 1), (b, a, 16, "async", 64)]
        measured = [med[k] for k in others if k in med]
        worst = max(measured) - med[call] if measured else float("nan")
        extra = [amed[k] - amed[call] for k in others if k in amed and call in amed]
        met = worst <= 200 and extra and max(extra) <= 1.05
        lines.append(f"| {b} | {a} | {cell(call)} | " + " | ".join(cell(k) for k in others)
                     + f" | {worst:+.0f} | {acell(call)} / {acell(others[1])} / {acell(others[3])} | {'met' if met else 'missed'} |")
lines += ["", f"### Target 2: scaling (throughput with N in flight ÷ one synchronous caller; target ≥ {0.9 * cpus:.1f} on {cpus} cores)", "",
          "| build | algorithm | size | call ns | ×2 | ×4 | ×8 | ×64 | best | met |", "|---|---|---|---|---|---|---|---|---|---|"]
for b in builds:
    for a in algorithms:
        for size in (4096, 65536):
            call = (b, a, size, "sync", 1)
            if call not in med:
                continue
            ratios = {n: med[call] / med[(b, a, size, "request", n)] for n in (2, 4, 8, 64) if (b, a, size, "request", n) in med}
            best = max(ratios.values()) if ratios else float("nan")
            lines.append(f"| {b} | {a} | {size} | {cell(call)} | " + " | ".join(f"{ratios[n]:.2f}×" if n in ratios else "–" for n in (2, 4, 8, 64))
                         + f" | {best:.2f}× | {'met' if best >= 0.9 * cpus and ratios.get(64, 0) >= 0.9 * cpus else 'missed'} |")
open(out_path, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))

#!/usr/bin/env python3
"""Markdown section for the streaming comparison (issue 11 item 5) from Scripts/lib/bench-stream.sh rows.

    bench-stream-report.py STREAM_CSV OUT_MD

STREAM_CSV rows: kernel,clock,tool,algorithm,bytes,seconds,user,system (the kernel column is prepended by
Scripts/bench). The judged measure is the guest CPU time (user + system) of the tool's process in the icount guest,
where 1 s = 10^9 guest instructions; the elapsed time is shown too (see the note on idle warps).
"""
import csv, statistics, sys
from collections import defaultdict

sys.dont_write_bytecode = True
src, dst = sys.argv[1], sys.argv[2]
cells = defaultdict(list)  # (kernel, clock, alg, tool) -> [(cpu, elapsed, bytes)]
order = []
for row in csv.reader(open(src)):
    if len(row) < 8:
        continue
    kernel, clock, tool, alg, size, elapsed, user, system = row[:8]
    if (kernel, clock) not in order:
        order.append((kernel, clock))
    cells[(kernel, clock, alg, tool)].append((float(user) + float(system), float(elapsed), int(size)))


def med(values):
    return statistics.median(values) if values else float("nan")


md = ["## Streaming 128 MiB: `kcrypto enc --engine kernel` vs libkcapi's `kcapi-enc`\n",
      "Input and output files on tmpfs in the guest, same key/IV, outputs compared byte for byte before timing. "
      "`kcapi-enc` is libkcapi 1.4.0's app built against the installed libkcapi (mmap input, 128 KiB "
      "vmsplice/splice + recvmsg rounds into an mmapped output). `kcrypto` is the shipped read/sendmsg/read/write "
      "loop (1 MiB requests, 64 KiB AF_ALG rounds, no splice). `kcrypto-mapped` rows, where present, come from an "
      "experiment that was measured but not merged (files mapped, sendmsg from the input mapping and read into "
      "the output mapping; Benchmarks/NOTES.md says why). "
      "Time = the tool's guest CPU time (user + system, 10 ms resolution), median over rounds: in the icount "
      "guest that is its guest instructions (1 s = 10⁹), deterministic; in the wall-clock (TCG) guest it is "
      "emulation time, which weighs copies as what they cost to emulate and moves with host load. "
      "Ratio = kcapi-enc time ÷ kcrypto time (= kcrypto throughput ÷ kcapi-enc throughput); "
      "target ≥ 0.90 on 7.2 and 7.3.\n",
      "| kernel | clock | algorithm | kcapi-enc | kcrypto | kcrypto-mapped (not merged) | ratio | ratio mapped | elapsed kcapi-enc / kcrypto / mapped | target |",
      "|---|---|---|---|---|---|---|---|---|---|"]
for kernel, clock in order:
    for alg in sorted({k[2] for k in cells if k[:2] == (kernel, clock)}):
        get = lambda tool: cells.get((kernel, clock, alg, tool), [])
        ref, new, old = get("kcapi-enc"), get("kcrypto"), get("kcrypto-mapped")
        if not ref or not (new or old):
            continue
        size = ref[0][2]
        t_ref, t_new = med([c[0] for c in ref]), med([c[0] for c in new]) if new else None
        t_old = med([c[0] for c in old]) if old else None
        mibs = lambda t: f"{t:.2f} s ({size / 1048576 / t:.1f} MiB/s)"
        ratio = t_ref / t_new if t_new else None
        before = f"{t_ref / t_old:.3f}" if t_old else "—"
        if clock != "icount":
            target = "not judged (wall clock)"
        elif kernel.startswith("6."):
            target = "report only"
        elif ratio is None:
            target = "not measured (shipped path)"
        else:
            target = "≥ 0.90: " + ("met" if ratio >= 0.9 else "**missed**")
        elapsed = " / ".join(f"{med([c[1] for c in x]):.2f} s" if x else "—" for x in (ref, new, old))
        md.append(f"| {kernel} | {clock} | {alg} | {mibs(t_ref)} | {mibs(t_new) if t_new else '—'} | "
                  f"{mibs(t_old) if t_old else '—'} | {f'{ratio:.3f}' if ratio else '—'} | {before} | {elapsed} | {target} |")
md.append("")
md.append("Elapsed guest time is not the judged measure: in the icount guest it includes idle periods that the "
          "virtual clock jumps over (`sleep=off`: to the next timer), e.g. while the vCPU waits for the host's 9p "
          "server (binaries and libraries are read from the host root), and single cells of both tools came out "
          "8–300× their CPU time while the CPU times of all rounds agreed within 1–2 %.\n")
open(dst, "w").write("\n".join(md) + "\n")

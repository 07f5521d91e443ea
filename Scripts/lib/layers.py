#!/usr/bin/env python3
"""Layer check for Sources/KernelCipher: a folder may use types declared in the folders below it only.

The layers, lowest first (one line each; folders on one line are peers and must not use each other):
the same list is drawn in the DocC Architecture article (Sources/KernelCipher/KernelCipher.docc/Architecture.md),
which this script checks too. A use is a declared type name (class, struct, enum, protocol, typealias, actor) or an
`extension` of one, found as a whole word outside comments and string literals.

    python3 Scripts/lib/layers.py [--graph]     exit 1 and list every use that goes up or sideways
"""
import os, re, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Sources", "KernelCipher")
ARTICLE = os.path.join(ROOT, "KernelCipher.docc", "Architecture.md")

# Lowest first. Files directly in Sources/KernelCipher (KernelCipherError.swift, …) form the layer named "(root)".
LAYERS = [
    ["Platform"],
    ["AFALG"],
    ["ProcCrypto"],
    ["Policy"],
    ["(root)"],
    ["OpenSSL"],
    ["Keys"],
    ["Keyring"],
    ["Engine"],
    ["Runtime"],
    ["Algorithms"],
    ["Cipher", "AEAD", "Hash", "Random"],
    ["KDF"],
    ["Discovery"],
    ["Interop"],
]

DECL = re.compile(r"^(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private|final|indirect|"
                  r"nonisolated|open)\s+)*(?:class|struct|enum|protocol|typealias|actor)\s+([A-Z]\w*)", re.M)


def folder_of(path):
    rel = os.path.relpath(path, ROOT)
    parts = rel.split(os.sep)
    return "(root)" if len(parts) == 1 else parts[0]


def strip(text):
    """Source without comments and string literals (so doc lines naming a type do not count as uses)."""
    text = re.sub(r'"""[\s\S]*?"""', '""', text)
    text = re.sub(r"/\*[\s\S]*?\*/", " ", text)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)
    return text


def main():
    files = []
    for dirpath, _, names in os.walk(ROOT):
        if ".docc" in dirpath:
            continue
        files += [os.path.join(dirpath, n) for n in names if n.endswith(".swift")]
    rank = {}
    for i, layer in enumerate(LAYERS):
        for f in layer:
            rank[f] = i
    owners = {}
    sources = {}
    problems = []
    for path in files:
        folder = folder_of(path)
        if folder not in rank:
            problems.append(f"{os.path.relpath(path, ROOT)}: folder '{folder}' is not in a layer (Scripts/lib/layers.py)")
            continue
        text = strip(open(path, encoding="utf-8").read())
        sources[path] = text
        for name in DECL.findall(text):
            owners.setdefault(name, set()).add(folder)
    # A name declared in several folders (nested types such as Options) is ambiguous: skip it.
    unique = {n: next(iter(f)) for n, f in owners.items() if len(f) == 1}
    pattern = re.compile(r"\b(" + "|".join(sorted(unique, key=len, reverse=True)) + r")\b")
    edges = {}
    for path, text in sources.items():
        folder = folder_of(path)
        for m in pattern.finditer(text):
            other = unique[m.group(1)]
            if other == folder:
                continue
            # A member access `X.Name` names a nested type, not the top-level one.
            if m.start() > 0 and text[m.start() - 1] == ".":
                continue
            edges.setdefault((folder, other), set()).add((os.path.relpath(path, ROOT), m.group(1)))
    for (a, b), uses in sorted(edges.items()):
        if rank[b] >= rank[a]:
            where = sorted(uses)[:4]
            more = f" (+{len(uses) - 4} more)" if len(uses) > 4 else ""
            problems.append(f"{a} -> {b} ({'sideways' if rank[b] == rank[a] else 'up'}): "
                            + ", ".join(f"{f} uses {n}" for f, n in where) + more)
    # The article draws the same list: every layer line must appear in it as written here.
    article = open(ARTICLE, encoding="utf-8").read() if os.path.exists(ARTICLE) else ""
    for layer in LAYERS:
        line = " · ".join(layer)
        if line not in article:
            problems.append(f"Architecture.md does not list the layer '{line}' (draw it from Scripts/lib/layers.py)")
    if "--graph" in sys.argv:
        for (a, b) in sorted(edges):
            print(f"{a} -> {b}")
    for p in problems:
        print("layers: " + p)
    print(f"layers: {len(files)} files, {len(edges)} folder edges, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

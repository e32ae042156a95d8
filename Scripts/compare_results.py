#!/usr/bin/env python3
"""Compare every number in two results.json files (e.g. before and after a refactor).

    python3 Scripts/compare_results.py OLD/results.json NEW/results.json [--rtol 1e-12]

Each file is flattened to {path: number}. Paths of the old schema are mapped to the new one by
RENAMES (results schema v1 -> v2); a number present in the old file must be present in the new one
with the same value (to --rtol relative, default exact). Numbers only in the new file (new fields
such as `level`, `statistic`, `pValue` of estimates that had none) are listed, not failed.
Exit status 1 if any old number is missing or different.
"""
import json
import re
import sys

# v1 -> v2 key renames (a regular expression on the flattened path, and its replacement).
RENAMES = [
    # staggered synthetic control: the summary's placebo SD is the Estimate's standardError
    (r"\.placeboStandardError$", ".standardError"),
    # staggered synthetic control: the aggregation level key
    (r"^(analyses\[[^\]]+\]\.result)\.level$", r"\1.aggregation"),
    # matching and weighting effects: the cluster count moved into the Estimate's inference description
    (r"(\.effects?(\[\d+\])?)\.clusters$", r"\1.inference.clusters"),
]

# Moves within results schema v2 during 0.3.0-dev (old path -> new path), applied to old paths the
# new file does not have.
DEV_RENAMES = [
    # did: an ATT(g,t)'s comparison units are one of its contributor counts
    (r"(\.groupTime\[[^\]]+\])\.comparisonUnits$", r"\1.contributors.comparison.units"),
]


def flatten(node, path, out):
    if isinstance(node, dict):
        # lists of objects are keyed by a name field where one exists, so reordering is not a change
        for k, v in node.items():
            flatten(v, f"{path}.{k}" if path else k, out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            key = i
            if isinstance(v, dict):
                for name in ("name", "term", "variable", "donor", "label", "unit", "predictor"):
                    if isinstance(v.get(name), str):
                        key = f"{name}={v[name]}"
                        break
            flatten(v, f"{path}[{key}]", out)
    elif isinstance(node, bool) or node is None or isinstance(node, str):
        if isinstance(node, str) and node in ("NaN", "Infinity", "-Infinity"):
            out[path] = float(node.replace("Infinity", "inf"))
    else:
        out[path] = float(node)


def load(path):
    data = json.load(open(path))
    out = {}
    for a in data["analyses"]:
        flatten(a["result"], f"analyses[{a['name']}].result", out)
    return out


def main():
    args = sys.argv[1:]
    rtol = 0.0
    if "--rtol" in args:
        i = args.index("--rtol")
        rtol = float(args[i + 1])
        del args[i:i + 2]
    with open(args[0]) as f:
        old_schema = json.load(f).get("schema", "")
    old, new = load(args[0]), load(args[1])
    # The v1 -> v2 renames apply only when the old file is v1; later moves (DEV_RENAMES) whenever
    # the old path is gone from the new file.
    renames = RENAMES if old_schema.endswith("/v1") else []
    renamed = {}
    for path, value in old.items():
        for pattern, repl in renames:
            path = re.sub(pattern, repl, path)
        if path not in new:
            for pattern, repl in DEV_RENAMES:
                path = re.sub(pattern, repl, path)
        renamed[path] = value
    bad = 0
    for path, value in sorted(renamed.items()):
        if path not in new:
            print(f"MISSING {path} = {value}")
            bad += 1
            continue
        w = new[path]
        same = (value == w) or (value != value and w != w) or abs(value - w) <= rtol * max(abs(value), abs(w))
        if not same:
            print(f"DIFFERENT {path}: {value!r} -> {w!r}")
            bad += 1
    added = sorted(set(new) - set(renamed))
    print(f"{args[1]}: {len(renamed)} numbers compared, {bad} missing or different, {len(added)} new")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

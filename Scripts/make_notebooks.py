#!/usr/bin/env python3
"""Builds each worked notebook's Jupyter notebook (notebook.ipynb) from its Markdown (notebook.md).

    python3 Scripts/make_notebooks.py           # writes Notebooks/*/notebook.ipynb
    python3 Scripts/make_notebooks.py --check   # fails if any notebook.ipynb differs from what it would write

notebook.md stays the source: the Swift tests read it (its `<!-- check: ... -->` directives pin the numbers
the prose quotes), and it reads well on GitHub. In the Jupyter notebook (Python kernel):
  - a first code cell runs `impact run analysis.yaml` into ./impact-results and loads results.json;
  - each section's prose is a Markdown cell, and its check directives become a code cell of assertions
    (`check(analysis, path, expected, tolerance)`), so a notebook that stops reproducing fails when run;
  - each fenced ```python block is a code cell (tables with pandas, plots with matplotlib).
The output is deterministic (no execution counts or outputs), so the committed file is reproducible.
Standard library only; `jupyter nbconvert --execute` runs the result (see .ci/run).
"""
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

SETUP = '''\
# Runs this notebook's analyses with the ImpactEval command-line tool and loads every number it wrote.
import json, os, pathlib, re, shutil, subprocess
import pandas as pd
import matplotlib.pyplot as plt

HERE = pathlib.Path.cwd()
ROOT = HERE.parents[1]  # the repository (this notebook is Notebooks/<name>/notebook.ipynb)
IMPACT = os.environ.get("IMPACT") or shutil.which("impact") or str(ROOT / ".build" / "release" / "impact")
OUT = HERE / "impact-results"
subprocess.run([IMPACT, "run", "analysis.yaml", "--out", str(OUT), "--force", "--quiet"], check=True)
results = json.loads((OUT / "results.json").read_text())
analyses = {a["name"]: a for a in results["analyses"]}


def lookup(value, path):
    """Follows `a.b.rows[term=t].c` or `a[3].b` into results.json (as the Swift notebook tests do)."""
    parts, current, depth = [], "", 0
    for ch in path:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "." and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    for part in parts:
        key, selector = part, None
        if "[" in part and part.endswith("]"):
            i = part.index("[")
            key, selector = part[:i], part[i + 1:-1]
        if key:
            value = value[key]
        if selector is not None:
            if re.fullmatch(r"\\d+", selector):
                value = value[int(selector)]
            else:
                k, v = selector.split("=", 1)
                value = next(item for item in value if str(item.get(k)) == v
                             or (isinstance(item.get(k), (int, float)) and re.fullmatch(r"-?[\\d.]+", v) and float(item[k]) == float(v)))
    return value


def check(analysis, path, expected, tolerance):
    """Asserts that a number in results.json is the one the text quotes, and returns it."""
    value = lookup(analyses[analysis]["result"], path)
    assert abs(value - expected) <= tolerance, f"{analysis} {path} = {value}, the notebook says {expected}"
    return value


print(f"{len(analyses)} analyses: " + ", ".join(analyses))'''

CHECK = re.compile(r"^<!-- check:(.*)-->\s*$")
CONFIG = re.compile(r"^<!-- config:\s*(\S+)\s*-->\s*$")


def check_call(body):
    words = body.split()
    while len(words) >= 2 and words[-2] == "shown":
        del words[-2:]
    analysis, path, expected, tolerance = words[0], " ".join(words[1:-2]), words[-2], words[-1]
    return f"check({json.dumps(analysis)}, {json.dumps(path)}, {expected}, {tolerance})"


def cell(kind, text):
    lines = text.strip("\n").split("\n")
    source = [line + "\n" for line in lines[:-1]] + [lines[-1]]
    c = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        c["execution_count"] = None
        c["outputs"] = []
    return c


def notebook(markdown):
    # The config the notebook runs: `<!-- config: PATH -->` (relative to the notebook), else analysis.yaml.
    config = next((m.group(1) for m in map(CONFIG.match, markdown.split("\n")) if m), "analysis.yaml")
    setup = SETUP.replace('"analysis.yaml"', json.dumps(config))
    cells, prose, checks = [], [], []
    code = None
    setup_done = False

    def flush():
        nonlocal prose, checks
        text = "\n".join(prose).strip("\n")
        if text:
            cells.append(cell("markdown", text))
        if checks:
            cells.append(cell("code", "\n".join(checks)))
        prose, checks = [], []

    for line in markdown.split("\n"):
        if code is not None:
            if line.startswith("```"):
                cells.append(cell("code", "\n".join(code)))
                code = None
            else:
                code.append(line)
            continue
        if line.startswith("```python"):
            flush()
            code = []
            continue
        if line.startswith("#") and not line.startswith("#!"):
            flush()
            if cells and not setup_done:
                cells.append(cell("code", setup))
                setup_done = True
        m = CHECK.match(line)
        if m:
            checks.append(check_call(m.group(1)))
        elif not line.startswith("<!--"):
            prose.append(line)
    flush()
    if not setup_done:
        cells.insert(1, cell("code", setup))
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def main():
    stale = []
    folders = sorted(p.parent for p in (ROOT / "Notebooks").glob("*/notebook.md"))
    for folder in folders:
        nb = notebook((folder / "notebook.md").read_text())
        for i, c in enumerate(nb["cells"]):
            c["id"] = f"cell-{i + 1}"
        text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        target = folder / "notebook.ipynb"
        if "--check" in sys.argv:
            if not target.exists() or target.read_text() != text:
                stale.append(str(target.relative_to(ROOT)))
        else:
            target.write_text(text)
    if stale:
        sys.exit("out of date (run python3 Scripts/make_notebooks.py): " + ", ".join(stale))
    print(f"{len(folders)} notebooks " + ("up to date" if "--check" in sys.argv else "written"))


if __name__ == "__main__":
    main()

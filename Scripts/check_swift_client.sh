#!/usr/bin/env bash
# Builds and runs Examples/SwiftClient (a package that depends only on the ImpactEval library product),
# runs the same analyses with `impact run Examples/SwiftClient/client.yaml`, and checks that the two give
# the same numbers (to 1e-12 relative). CI runs it after the main build.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
swift run -c release impact run Examples/SwiftClient/client.yaml --out "$work/run" --quiet >/dev/null
(cd Examples/SwiftClient && swift run -c release SwiftClient) >"$work/client.jsonl"
python3 - "$work/run/results.json" "$work/client.jsonl" <<'PY'
import json, sys
results = {a["name"]: a["result"] for a in json.load(open(sys.argv[1]))["analyses"]}
def reference(name):
    r = results[name]
    if name == "grunfeld-cr2":
        return next(row for row in r["coefficients"]["cr2"]["rows"] if row["term"] == "capital")
    if name == "mpdta-did":
        return next(a for a in r["aggregations"] if a["aggregation"] == "simple")["overall"]
    return r["effect"]
lines = [json.loads(line) for line in open(sys.argv[2]) if line.strip()]
assert len(lines) == 3, lines
for line in lines:
    ref = reference(line["name"])
    for key in ("estimate", "standardError"):
        a, b = line[key], ref.get(key)
        assert (a is None) == (b is None), (line["name"], key, a, b)
        if a is not None:
            assert abs(a - b) <= 1e-12 * max(abs(b), 1e-300), (line["name"], key, a, b)
    print(f"{line['name']}: estimate {line['estimate']!r}, SE {line['standardError']!r}: the same from the library and from impact run")
PY

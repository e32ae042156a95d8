"""Derived example data for Examples/panel_regression.yaml (until configs can filter rows and derive
columns themselves). Deterministic: run from the repository root, `python3 Scripts/make_example_data.py`;
the outputs are committed and their SHA-256 are listed in Examples/data/README.md.

- mortality_motor_vehicle_1970_1983.csv: Datasets/mortality_rates.csv restricted to cause "Motor
  Vehicle", years up to 1983 and rows with the beer tax (the clubSandwich vignette's sample).
- mpdta_post.csv: Datasets/mpdta.csv with `post` = 1 when a county is treated and year >= first.treat.
- ehec_2014.csv: the HonestDiD README sample of Datasets/ehec.csv (see below).
- ehec_event_study.csv: that sample's event-study coefficients and covariance (see below).
"""
import csv

with open("Datasets/mortality_rates.csv", newline="") as f:
    rows = list(csv.DictReader(f))
keep = [r for r in rows if r["cause"] == "Motor Vehicle" and int(r["year"]) <= 1983 and r["beertaxa"] not in ("", "NA")]
with open("Examples/data/mortality_motor_vehicle_1970_1983.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
    w.writeheader()
    w.writerows(keep)

with open("Datasets/mpdta.csv", newline="") as f:
    rows = list(csv.DictReader(f))
for r in rows:
    first = float(r["first.treat"])
    r["post"] = "1" if first > 0 and float(r["year"]) >= first else "0"
with open("Examples/data/mpdta_post.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)

# ehec_2014.csv: the HonestDiD README's sample of Datasets/ehec.csv: years before 2016, states
# expanding Medicaid in 2015 dropped, `adopt` = 2014 for the 2014 expanders and 0 otherwise (states
# expanding later are untreated within these years).
with open("Datasets/ehec.csv", newline="") as f:
    rows = list(csv.DictReader(f))
fields = list(rows[0].keys()) + ["adopt"]
keep = [r for r in rows if int(r["year"]) < 2016 and r["yexp2"] != "2015"]
for r in keep:
    r["adopt"] = "2014" if r["yexp2"] == "2014" else "0"
with open("Examples/data/ehec_2014.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(keep)

# ehec_event_study.csv: the HonestDiD README's event-study coefficients (fixest's, as computed by
# pyfixest in Tests/StaggeredDiDTests/Fixtures/honestdid_ehec.json) and their covariance, one row per
# coefficient (2008-2012, then 2014 and 2015; 2013 is the reference), for `method: sensitivity`.
import json

with open("Tests/StaggeredDiDTests/Fixtures/honestdid_ehec.json") as f:
    fixture = json.load(f)
with open("Examples/data/ehec_event_study.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    k = len(fixture["betahat"])
    w.writerow(["term", "estimate"] + [f"v{j + 1}" for j in range(k)])
    for i, term in enumerate(fixture["coefficients"]):
        w.writerow([term, repr(fixture["betahat"][i])] + [repr(v) for v in fixture["sigma"][i]])

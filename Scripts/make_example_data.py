"""Derived example data for Examples/panel_regression.yaml (until configs can filter rows and derive
columns themselves). Deterministic: run from the repository root, `python3 Scripts/make_example_data.py`;
the outputs are committed and their SHA-256 are listed in Examples/data/README.md.

- mortality_motor_vehicle_1970_1983.csv: Datasets/mortality_rates.csv restricted to cause "Motor
  Vehicle", years up to 1983 and rows with the beer tax (the clubSandwich vignette's sample).
- mpdta_post.csv: Datasets/mpdta.csv with `post` = 1 when a county is treated and year >= first.treat.
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

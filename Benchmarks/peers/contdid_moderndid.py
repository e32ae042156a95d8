"""Peer for the dose benchmark: moderndid's cont_did (Python port of R contdid) on a 5,000-unit x 4-period
panel (Datasets/contdid_readme.csv): not-yet-treated comparisons, cubic B-spline with one interior knot,
1,000 multiplier-bootstrap draws. Median of 3 runs after a warm-up; prints seconds last."""
import statistics, sys, time, warnings
import polars as pl
import moderndid

warnings.filterwarnings("ignore")
data = pl.read_csv(sys.argv[1])
def run():
    moderndid.cont_did(data=data, yname="Y", tname="time_period", idname="id", gname="G", dname="D", degree=3, num_knots=1,
                       control_group="notyettreated", biters=1000, cband=True, random_state=1)
run()
times = []
for _ in range(3):
    t0 = time.perf_counter()
    run()
    times.append(time.perf_counter() - t0)
print(statistics.median(times))

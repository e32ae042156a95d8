"""Peer for the staggered-DiD benchmark: csdid's ATTgt (doubly robust, never-treated, no covariates)
with analytic SEs and the four aggregations (`analytic`), or with a 1,000-draw multiplier bootstrap
(`bootstrap`), on the CSV impact-bench wrote. Median of 3 runs after a warm-up; prints seconds last."""
import sys, time, warnings
import pandas as pd
from csdid.att_gt import ATTgt

warnings.filterwarnings("ignore")
kind, path = sys.argv[1], sys.argv[2]
df = pd.read_csv(path)

def once():
    boot = kind == "bootstrap"
    att = ATTgt(yname="y", tname="time", idname="unit", gname="g", data=df, control_group=["nevertreated"], biters=1000)
    att.fit(est_method="dr", bstrap=boot)
    for t in ["simple", "group", "dynamic", "calendar"]:
        att.aggte(typec=t, bstrap=boot, biters=1000)
    return att

once()
times = []
for _ in range(3):
    t0 = time.perf_counter(); once(); times.append(time.perf_counter() - t0)
print(sorted(times)[1])

"""Reference values for Tests/StaggeredDiDTests/Fixtures/did_moderndid.json: Callaway & Sant'Anna
group-time effects, their analytic standard errors, aggregations and the pre-test on mpdta, from
`moderndid` (the Python port of R's did; its mpdta numbers equal R did 2.1's printed ones, e.g.
ATT(2004,2004) = -0.0105032462, SE 0.0232510364; simple aggregation -0.0399512752, SE 0.0120340128).

Run from this folder:  python3 did_moderndid.py
"""
import json
import warnings

import numpy as np
import pandas as pd
import moderndid as md

warnings.filterwarnings("ignore")
m = pd.read_csv("../../../Datasets/mpdta.csv")
m["pop"] = np.exp(m["lpop"])

cases = {
    "never_dr": dict(control_group="nevertreated", est_method="dr"),
    "notyet_dr": dict(control_group="notyettreated", est_method="dr"),
    "never_dr_lpop": dict(control_group="nevertreated", est_method="dr", xformla="~lpop"),
    "never_ipw_lpop": dict(control_group="nevertreated", est_method="ipw", xformla="~lpop"),
    "never_reg_lpop": dict(control_group="nevertreated", est_method="reg", xformla="~lpop"),
    "never_dr_universal": dict(control_group="nevertreated", est_method="dr", base_period="universal"),
    "never_dr_anticipation": dict(control_group="nevertreated", est_method="dr", anticipation=1),
    "never_dr_weighted": dict(control_group="nevertreated", est_method="dr", xformla="~lpop", weightsname="pop"),
}
out = {"moderndid": getattr(md, "__version__", "unknown")}
for name, kw in cases.items():
    r = md.att_gt(m, yname="lemp", tname="year", idname="countyreal", gname="first.treat", boot=False, cband=False, **kw)
    case = {"group": [float(g) for g in r.groups], "time": [float(t) for t in r.times],
            "att": [float(a) for a in r.att_gt], "se": [float(s) for s in r.se_gt],
            "wald": None if r.wald_stat is None else float(r.wald_stat),
            "waldP": None if r.wald_pvalue is None else float(r.wald_pvalue)}
    aggs = {}
    for kind in ["simple", "group", "dynamic", "calendar"]:
        try:
            a = md.aggte(r, type=kind, boot=False, cband=False)
        except Exception as e:  # noqa: BLE001
            continue
        agg = {"overall": float(a.overall_att), "overallSE": float(a.overall_se)}
        if a.att_by_event is not None:
            agg["keys"] = [float(k) for k in a.event_times]
            agg["components"] = [float(v) for v in a.att_by_event]
            agg["componentSEs"] = [float(v) for v in a.se_by_event]
        aggs[kind] = agg
    case["aggregations"] = aggs
    out[name] = case
def finite(node):
    """Non-finite numbers (the SE of a universal base period's ATT = 0) become null."""
    if isinstance(node, dict):
        return {k: finite(v) for k, v in node.items()}
    if isinstance(node, list):
        return [finite(v) for v in node]
    if isinstance(node, float) and not np.isfinite(node):
        return None
    return node


out = finite(out)
with open("../../StaggeredDiDTests/Fixtures/did_moderndid.json", "w") as fh:
    json.dump(out, fh, indent=1, allow_nan=False)
print(json.dumps({k: (v["att"][:3], v.get("wald")) for k, v in out.items() if k != "moderndid"}, indent=1))

# The imputation estimator (Borusyak, Jaravel & Spiess 2024) as the extended two-way fixed-effects
# regression with one indicator per treated cohort-period (its numerically identical form), from
# pyfixest: ATT(g,t), and the overall average over treated observations with its CR1 SE (fixest rules).
import pyfixest as pf

m["cell"] = np.where((m["first.treat"] > 0) & (m["year"] >= m["first.treat"]),
                     m["first.treat"].astype(int).astype(str) + "_" + m["year"].astype(str), "untreated")
cells = sorted(c for c in m["cell"].unique() if c != "untreated")
for c in cells:
    m["d_" + c] = (m["cell"] == c).astype(float)
f = pf.feols("lemp ~ " + " + ".join("d_" + c for c in cells) + " | countyreal + year", data=m, vcov={"CRV1": "countyreal"})
counts = np.array([(m["cell"] == c).sum() for c in cells], dtype=float)
a = counts / counts.sum()
beta = f.coef().values
V = f._vcov
imputation = {"cells": cells, "att": beta.tolist(), "se": f.se().tolist(),
              "overall": float(a @ beta), "overallSE": float(np.sqrt(a @ V @ a))}
with open("../../StaggeredDiDTests/Fixtures/imputation_pyfixest.json", "w") as fh:
    json.dump(imputation, fh, indent=1)
print(imputation["att"][0], imputation["att"][-1], imputation["overall"], imputation["overallSE"])

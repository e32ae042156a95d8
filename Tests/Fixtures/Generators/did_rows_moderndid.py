"""Reference values for Tests/StaggeredDiDTests/Fixtures/did_rows_moderndid.json: Callaway & Sant'Anna
with repeated cross-sections (did's `panel = FALSE`) and an unbalanced panel (`allow_unbalanced_panel =
TRUE`), from moderndid (the Python port of R did; its two-period estimators are DRDID's `drdid_rc`,
`std_ipw_did_rc` and `reg_did_rc`).

- rc_*: mpdta's 2,500 rows read as repeated cross-sections (each row its own unit), with and without lpop.
- No unbalanced-panel case: moderndid 0.x fails on `panel=True, allow_unbalanced_panel=True` (its outcome
  tensor is None) and with `panel=False` returns ATT(2004,2004) = 0.229 on mpdta with 14% of rows dropped,
  far from every other estimate (about -0.01), so it is not a usable reference; the unbalanced path is
  tested by its defining identity instead (see CallawaySantAnnaRowsTests).

Run from this folder:  python3 did_rows_moderndid.py
"""
import json
import warnings

import numpy as np
import pandas as pd
import moderndid as md

warnings.filterwarnings("ignore")
m = pd.read_csv("../../../Datasets/mpdta.csv")
m["rowid"] = np.arange(len(m))

cases = {
    "rc_dr": (m, dict(panel=False, idname="rowid", est_method="dr")),
    "rc_dr_lpop": (m, dict(panel=False, idname="rowid", est_method="dr", xformla="~lpop")),
    "rc_ipw_lpop": (m, dict(panel=False, idname="rowid", est_method="ipw", xformla="~lpop")),
    "rc_reg_lpop": (m, dict(panel=False, idname="rowid", est_method="reg", xformla="~lpop")),
    "rc_dr_notyet": (m, dict(panel=False, idname="rowid", est_method="dr", control_group="notyettreated")),
}
out = {"moderndid": getattr(md, "__version__", "unknown")}
for name, (data, kw) in cases.items():
    r = md.att_gt(data, yname="lemp", tname="year", gname="first.treat", boot=False, cband=False, **kw)
    case = {"group": [float(g) for g in r.groups], "time": [float(t) for t in r.times],
            "att": [float(a) for a in r.att_gt], "se": [float(s) for s in r.se_gt]}
    aggs = {}
    for kind in ["simple", "dynamic"]:
        a = md.aggte(r, type=kind, boot=False, cband=False)
        agg = {"overall": float(a.overall_att), "overallSE": float(a.overall_se)}
        if a.att_by_event is not None:
            agg["keys"] = [float(k) for k in a.event_times]
            agg["components"] = [float(v) for v in a.att_by_event]
            agg["componentSEs"] = [float(v) for v in a.se_by_event]
        aggs[kind] = agg
    case["aggregations"] = aggs
    out[name] = case
with open("../../StaggeredDiDTests/Fixtures/did_rows_moderndid.json", "w") as fh:
    json.dump(out, fh, indent=1, allow_nan=False)
print(json.dumps({k: (v["att"][:3], v["se"][:3], v["aggregations"]["simple"]) for k, v in out.items() if isinstance(v, dict)}, indent=1))

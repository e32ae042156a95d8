"""Reference values for Tests/RegressionTests/Fixtures/panel_pyfixest.json.

Absorbed fixed effects with fixest's small-sample rules, from pyfixest (which reproduces R fixest's
defaults: ssc(adj = TRUE, fixef.K = "nested", cluster.adj = TRUE, cluster.df = "min", t.df = "min")),
and the wild cluster restricted (WCR) bootstrap p-value from the `wildboottest` package on the model
with the fixed effects written out as dummies (statsmodels), Rademacher weights, full enumeration.

Run from this folder:  python3 panel_pyfixest.py
"""
import json
import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import statsmodels.formula.api as smf
import wildboottest
from wildboottest.wildboottest import wildboottest as wcb

warnings.filterwarnings("ignore")
root = "../../../Datasets/"
out = {"pyfixest": pf.__version__, "wildboottest": getattr(wildboottest, "__version__", "unknown")}

g = pd.read_csv(root + "grunfeld.csv")
gr = {}
for name, vcov in [("iid", "iid"), ("hetero", "hetero"), ("firm", {"CRV1": "firm"}), ("firmYear", {"CRV1": "firm+year"})]:
    f = pf.feols("inv ~ capital | firm + year", data=g, vcov=vcov)
    gr[name] = {"estimate": float(f.coef().iloc[0]), "se": float(f.se().iloc[0]), "p": float(f.pvalue().iloc[0]),
                "t": float(f.tstat().iloc[0])}
gr["r2"] = float(pf.feols("inv ~ capital | firm + year", data=g)._r2)
gr["r2Within"] = float(pf.feols("inv ~ capital | firm + year", data=g)._r2_within)
fe = pf.feols("inv ~ capital | firm + year", data=g).fixef()
gr["fixefFirm"] = [float(fe["C(firm)"][str(l)]) for l in sorted(g.firm.unique())]
gr["fixefYear"] = {str(k): float(v) for k, v in fe["C(year)"].items()}
out["grunfeld"] = gr

m = pd.read_csv(root + "mpdta.csv")
m["post"] = ((m["first.treat"] > 0) & (m["year"] >= m["first.treat"])).astype(float)
f = pf.feols("lemp ~ post | countyreal + year", data=m, vcov={"CRV1": "countyreal"})
out["mpdta"] = {"estimate": float(f.coef().iloc[0]), "se": float(f.se().iloc[0]), "p": float(f.pvalue().iloc[0])}

# Event study: relative-time indicators, reference -1, never-treated as controls (rel = -1000).
m["rel"] = np.where(m["first.treat"] > 0, m["year"] - m["first.treat"], np.nan)
events = sorted(int(e) for e in m["rel"].dropna().unique() if e != -1)
names = []
for e in events:
    name = f"rel_{'m' if e < 0 else 'p'}{abs(e)}"
    m[name] = (m["rel"] == e).astype(float)
    names.append(name)
f = pf.feols("lemp ~ " + " + ".join(names) + " | countyreal + year", data=m, vcov={"CRV1": "countyreal"})
out["eventStudy"] = {"eventTimes": events, "estimate": f.coef().tolist(), "se": f.se().tolist(), "p": f.pvalue().tolist()}

# WCR with the null imposed, Rademacher weights, every one of the 2^10 sign vectors.
ols = smf.ols("inv ~ capital + C(firm) + C(year)", data=g)
res = wcb(ols, param="capital", cluster=g.firm, B=9999, weights_type="rademacher", impose_null=True,
          bootstrap_type="11", seed=1, show=False)
out["wildGrunfeld"] = {"statistic": float(res["statistic"].iloc[0]), "p": float(res["p-value"].iloc[0]), "draws": 1024}

with open("../../RegressionTests/Fixtures/panel_pyfixest.json", "w") as fh:
    json.dump(out, fh, indent=1)
print(json.dumps(out, indent=1))

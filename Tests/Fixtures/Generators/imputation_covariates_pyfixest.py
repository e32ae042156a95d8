"""The imputation estimator with a covariate (Borusyak, Jaravel & Spiess 2024, step 1 on untreated
observations only) as Gardner's two-stage DiD in pyfixest 0.60.0 (`did2s`): ATT(g,t) per treated
cohort-period on mpdta with a time-varying covariate, lpop x (year - 2003), and the GMM variance that
accounts for the first stage (pyfixest's `_did2s_vcov`, clustered by county, no small-sample factor).
The 2004 cohort is left out: its counties have one untreated year, singletons that pyfixest's first stage
drops (their unit effects are still identified, and ImpactEval keeps them).

Run from this folder: python imputation_covariates_pyfixest.py (writes ../../StaggeredDiDTests/Fixtures/)."""
import json

import numpy as np
import pandas as pd
import pyfixest as pf

m = pd.read_csv("../../../Datasets/mpdta.csv")
m = m[m["first.treat"] != 2004].reset_index(drop=True)
m["lpop_trend"] = m["lpop"] * (m["year"] - 2003)
treated = (m["first.treat"] > 0) & (m["year"] >= m["first.treat"])
m["treated"] = treated
m["cell"] = np.where(treated, m["first.treat"].astype(int).astype(str) + "_" + m["year"].astype(str), "untreated")
cells = sorted(c for c in m["cell"].unique() if c != "untreated")
for c in cells:
    m["d_" + c] = (m["cell"] == c).astype(float)
fit = pf.did2s(
    m, yname="lemp", first_stage="~ lpop_trend | countyreal + year",
    second_stage="~ " + " + ".join("d_" + c for c in cells), treatment="treated", cluster="countyreal")
beta = fit.coef().values
V = fit._vcov
counts = np.array([(m["cell"] == c).sum() for c in cells], dtype=float)
a = counts / counts.sum()
# The first stage's covariate coefficient (BJS step 1): untreated observations only.
first = pf.feols("lemp ~ lpop_trend | countyreal + year", data=m[~treated])
# BJS directly, with every unit and year dummy written out (numpy least squares on the untreated
# observations, then each treated observation's y - a_i - l_t - b x averaged by cell). did2s's own
# ATT(g,t) differ from these by up to about 1e-7: its second stage imputes from fixed effects that
# feols' fixef() recovers iteratively, to that precision.
u = m[~treated]
D = pd.get_dummies(u["countyreal"].astype(str)).astype(float).values
T = pd.get_dummies(u["year"].astype(str)).astype(float).values[:, 1:]
coef = np.linalg.lstsq(np.column_stack([D, T, u["lpop_trend"].values]), u["lemp"].values, rcond=None)[0]
units, years = sorted(u["countyreal"].astype(str).unique()), sorted(u["year"].astype(str).unique())
alpha = dict(zip(units, coef[: len(units)]))
lam = dict(zip(years[1:], coef[len(units): len(units) + len(years) - 1]), **{years[0]: 0.0})
t = m[treated]
tau = t["lemp"] - t["countyreal"].astype(str).map(alpha) - t["year"].astype(str).map(lam) - coef[-1] * t["lpop_trend"]
direct = tau.groupby(t["cell"]).mean()
out = {
    "cells": cells, "att": beta.tolist(), "attDirect": [float(direct[c]) for c in cells], "se": np.sqrt(np.diag(V)).tolist(),
    "overall": float(a @ beta), "overallSE": float(np.sqrt(a @ V @ a)),
    "firstStage": float(first.coef()["lpop_trend"]), "pyfixest": pf.__version__,
}
with open("../../StaggeredDiDTests/Fixtures/imputation_covariates_pyfixest.json", "w") as fh:
    json.dump(out, fh, indent=1)
print(out["att"][:3], out["overall"], out["overallSE"], out["firstStage"])

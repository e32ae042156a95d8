"""Quantile regression of food expenditure on income (Engel's 235 Belgian households; Koenker & Bassett
1982) with statsmodels' QuantReg defaults: IRLS (max_iter 1000, p_tol 1e-6), standard errors from the
kernel sandwich (vcov 'robust', Epanechnikov kernel, Hall-Sheather bandwidth), t with n - k df.

Also writes Datasets/engel_statsmodels.csv, the data as statsmodels ships them (sm.datasets.engel;
public domain, distributed with R quantreg), with every digit.

Run from the repository root:  python3 Tests/Fixtures/Generators/quantreg_engel_statsmodels.py
(needs statsmodels; version recorded). Writes Tests/RegressionTests/Fixtures/quantreg_engel_statsmodels.json.
"""
import json

import statsmodels
import statsmodels.api as sm
import statsmodels.formula.api as smf

d = sm.datasets.engel.load_pandas().data
with open("Datasets/engel_statsmodels.csv", "w") as fh:
    fh.write("income,foodexp\n")
    for income, food in zip(d["income"], d["foodexp"]):
        fh.write(f"{income!r},{food!r}\n")

fits = []
for q in [0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9]:
    r = smf.quantreg("foodexp ~ income", d).fit(q=q)
    ci = r.conf_int(alpha=0.05)
    fits.append({
        "q": q, "params": r.params.tolist(), "bse": r.bse.tolist(), "tvalues": r.tvalues.tolist(),
        "pvalues": r.pvalues.tolist(), "lower": ci[0].tolist(), "upper": ci[1].tolist(),
        "iterations": int(r.iterations), "bandwidth": float(r.bandwidth), "sparsity": float(r.sparsity),
        "dfResid": float(r.df_resid),
    })
out = {"statsmodels": statsmodels.__version__, "terms": ["(Intercept)", "income"], "fits": fits}
with open("Tests/RegressionTests/Fixtures/quantreg_engel_statsmodels.json", "w") as fh:
    json.dump(out, fh, indent=1)
print([(f["q"], f["params"], f["bse"], f["iterations"]) for f in fits])

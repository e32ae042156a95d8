"""Reference quantile-regression coefficients from statsmodels' QuantReg (IRLS; its defaults: max_iter 1000,
p_tol 1e-6), which scpi-pkg uses for its out-of-sample bounds.

Cases: Lalonde (MatchIt's copy, n = 614) re78 on age, educ and re74 at five quantiles; Grunfeld's first 30
firm-years, inv on value and capital, at the extreme quantiles scpi uses (0.025, 0.975) and the quartiles.
Lalonde's median and 0.9 quantile do not converge in 1,000 iterations (many tied zero earnings): they are
recorded with converged = false, and only the non-convergence is compared.

Run from the repository root:  python3 Tests/Fixtures/Generators/quantreg_statsmodels.py
(needs statsmodels; version recorded in the fixture). Writes Tests/RegressionTests/Fixtures/quantreg_statsmodels.json.
"""
import json
import warnings

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm

warnings.simplefilter("ignore")
cases = []
lalonde = pd.read_csv("Datasets/lalonde_matchit.csv")
grunfeld = pd.read_csv("Datasets/grunfeld.csv").iloc[:30]
for name, frame, y, xs, taus in [
    ("lalonde", lalonde, "re78", ["age", "educ", "re74"], [0.1, 0.25, 0.5, 0.75, 0.9]),
    ("grunfeld30", grunfeld, "inv", ["value", "capital"], [0.025, 0.25, 0.75, 0.975]),
]:
    X = sm.add_constant(frame[xs].astype(float)).to_numpy()
    for tau in taus:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = sm.QuantReg(frame[y].astype(float).to_numpy(), X).fit(q=tau)
        # statsmodels warns when the iteration stops at max_iter: its coefficients are then an arbitrary iterate.
        converged = not any("Maximum number of iterations" in str(w.message) for w in caught)
        cases.append({"data": name, "y": y, "x": xs, "quantile": tau, "converged": converged,
                      "coefficients": [float(b) for b in fit.params]})
with open("Tests/RegressionTests/Fixtures/quantreg_statsmodels.json", "w") as f:
    json.dump({"statsmodels": statsmodels.__version__, "cases": cases}, f, indent=1)
for c in cases:
    print(c["data"], c["quantile"], c["converged"], [round(b, 4) for b in c["coefficients"]])

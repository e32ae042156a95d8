"""Reference quantile-regression coefficients from statsmodels' QuantReg (IRLS; its defaults: max_iter 1000,
p_tol 1e-6), which scpi-pkg uses for its out-of-sample bounds.

Cases: Lalonde (MatchIt's copy, n = 614) re78 on age, educ and re74 at five quantiles; Grunfeld's first 30
firm-years, inv on value and capital, at the extreme quantiles scpi uses (0.025, 0.975) and the quartiles.
Lalonde's median and 0.9 quantile do not converge in 1,000 iterations (many tied zero earnings): they are
recorded with converged = false, and only the non-convergence is compared.

Whether the iteration meets its stopping rule can hang on rounding: each case is also run through
statsmodels' loop written out here, on C- and Fortran-ordered copies of the design and with x/r or x·(1/r),
which round differently in the last bits. A case whose stopping (converged or not) differs between those
runs is recorded with rounding_sensitive = true: Grunfeld's 0.75 quantile stops after 410 iterations in
statsmodels (Fortran order) and runs to the 1,000 cap with a C-ordered design, so an implementation can
only be asked to stop at statsmodels' coefficients or to reach the cap there.

Run from the repository root:  python3 Tests/Fixtures/Generators/quantreg_statsmodels.py
(needs statsmodels; version recorded in the fixture). Writes Tests/RegressionTests/Fixtures/quantreg_statsmodels.json.
"""
import json
import warnings

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm
from numpy.linalg import pinv

warnings.simplefilter("ignore")


def stops(X, y, q, reciprocal):
    """statsmodels' QuantReg.fit loop (max_iter 1000, p_tol 1e-6): whether it stops before the cap."""
    beta, xstar, diff, n = np.ones(X.shape[1]), X, 10.0, 0
    while n < 1000 and diff > 1e-6:
        n += 1
        previous = beta
        beta = pinv(xstar.T @ X) @ (xstar.T @ y)
        r = y - X @ beta
        small = np.abs(r) < 1e-6
        r[small] = ((r[small] >= 0) * 2 - 1) * 1e-6
        r = np.abs(np.where(r < 0, q * r, (1 - q) * r))
        xstar = X * (1 / r)[:, None] if reciprocal else X / r[:, None]
        diff = np.max(np.abs(beta - previous))
    return diff <= 1e-6


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
        endog = frame[y].astype(float).to_numpy()
        variants = {stops(layout(X), endog, tau, reciprocal)
                    for layout in (np.ascontiguousarray, np.asfortranarray) for reciprocal in (False, True)}
        cases.append({"data": name, "y": y, "x": xs, "quantile": tau, "converged": converged,
                      "rounding_sensitive": len(variants | {converged}) > 1,
                      "coefficients": [float(b) for b in fit.params]})
with open("Tests/RegressionTests/Fixtures/quantreg_statsmodels.json", "w") as f:
    json.dump({"statsmodels": statsmodels.__version__, "cases": cases}, f, indent=1)
for c in cases:
    print(c["data"], c["quantile"], c["converged"], c["rounding_sensitive"], [round(b, 4) for b in c["coefficients"]])

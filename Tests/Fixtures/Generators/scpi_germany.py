"""Reference donor weights for West Germany from scpi-pkg (Cattaneo, Feng & Titiunik 2021; the Python
package, version 4.0.0): outcome (GDP per capita) only, simplex constraint, pre-period 1960-1990,
post-period 1991-2003, no constant, as in scpi's own Germany illustration.

Run from the repository root:  python3 Tests/Fixtures/Generators/scpi_germany.py
(scpi-pkg 4.0.0 needs pandas < 3: run it in a virtual environment with `pip install "pandas<3" scpi-pkg==4.0.0`.)
Writes Tests/SyntheticControlTests/Fixtures/scpi_germany_weights.json.
"""
import json
import numpy as np
import pandas as pd
from scpi_pkg.scdata import scdata
from scpi_pkg.scest import scest
import scpi_pkg.version

data = pd.read_csv("Datasets/germany.csv")
donors = sorted(set(data.country) - {"West Germany"})
prep = scdata(df=data, id_var="country", time_var="year", outcome_var="gdp",
              period_pre=np.arange(1960, 1991), period_post=np.arange(1991, 2004),
              unit_tr="West Germany", unit_co=donors, features=None, cov_adj=None,
              cointegrated_data=True, constant=False)
fit = scest(prep, w_constr={"name": "simplex"})
w = fit.w.iloc[:, 0]
# Index (treated unit, donor); ECOS leaves |w| ~ 1e-10 on excluded donors: those are zero.
weights = {donor: (float(v) if abs(v) > 1e-8 else 0.0) for (_, donor), v in w.items()}
out = {"scpi_pkg": scpi_pkg.version.__version__, "weights": weights}
with open("Tests/SyntheticControlTests/Fixtures/scpi_germany_weights.json", "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
print(json.dumps({k: round(v, 4) for k, v in sorted(weights.items(), key=lambda kv: -kv[1])[:7]}))

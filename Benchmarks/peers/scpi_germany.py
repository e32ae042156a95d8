"""Peer for the prediction-interval benchmark: scpi-pkg (Python) on West Germany, GDP over 1960-1990,
simplex weights, its defaults (200 simulations, e_method "all"), one core.
  scpi_germany.py <germany.csv>
scpi-pkg 4.0.0 needs pandas < 3 (set SCPI_PYTHON to a virtual environment's python).
Prints seconds on the last line (the weights and the intervals; one run)."""
import sys, time, warnings
import numpy as np
import pandas as pd
from scpi_pkg.scdata import scdata
from scpi_pkg.scpi import scpi
warnings.filterwarnings("ignore")

data = pd.read_csv(sys.argv[1])
donors = sorted(set(data.country) - {"West Germany"})
t0 = time.perf_counter()
prep = scdata(df=data, id_var="country", time_var="year", outcome_var="gdp",
              period_pre=np.arange(1960, 1991), period_post=np.arange(1991, 2004),
              unit_tr="West Germany", unit_co=donors, features=None, cov_adj=None,
              cointegrated_data=True, constant=False)
np.random.seed(1)
scpi(prep, w_constr={"name": "simplex"}, sims=200, e_method="all", cores=1, verbose=False)
print(time.perf_counter() - t0)

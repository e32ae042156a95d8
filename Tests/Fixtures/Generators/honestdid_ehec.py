"""Reference values for Tests/StaggeredDiDTests/Fixtures/honestdid_ehec.json: the HonestDiD README's
ehec event study and its sensitivity analysis.

- `betahat`, `sigma`: pyfixest `feols("dins ~ i(year, D, ref=2013) | stfips + year", vcov={"CRV1": "stfips"})`
  on ehec (years before 2016, states expanding in 2015 dropped, D = expansion in 2014), as fixest in the README.
- `readme`: the numbers printed in R HonestDiD's README (3 significant digits), the published reference.
- `moderndid`: moderndid's Python port of HonestDiD. Its FLCI uses the exact folded-normal quantile (our
  `criticalValue: .exact`), so it is compared with that option; its relative-magnitudes sets differ from R's
  (it omits the location s = 0 of the largest pre-period change), so they are recorded for information only.
- `rnorm`: R's `set.seed(0); rnorm(5)` and `quantile(abs(rnorm(1e6)), .95)` (r-base-core), for the generator.

Run from this folder:  python3 honestdid_ehec.py   (needs pyfixest, moderndid and Rscript)
"""
import json
import subprocess
import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
from moderndid.didhonest import sensitivity as hd

warnings.filterwarnings("ignore")
df = pd.read_csv("../../../Datasets/ehec.csv")
df = df[df.year < 2016]
df = df[df.yexp2.isna() | (df.yexp2 != 2015)].copy()
df["D"] = (df.yexp2 == 2014).astype(int)
fit = pf.feols("dins ~ i(year, D, ref=2013) | stfips + year", data=df, vcov={"CRV1": "stfips"})
b = fit.coef().values
V = np.asarray(fit._vcov)

rm = hd.create_sensitivity_results_rm(b, V, num_pre_periods=5, num_post_periods=2, m_bar_vec=[0.5, 1, 1.5, 2])
ms = [0, 0.01, 0.02, 0.03, 0.04, 0.05]
sd = hd.create_sensitivity_results_sm(b, V, num_pre_periods=5, num_post_periods=2, m_vec=ms)
orig = hd.construct_original_cs(b, V, num_pre_periods=5, num_post_periods=2)

r = subprocess.run(
    ["Rscript", "-e", "set.seed(0); cat(sprintf('%.17g', rnorm(5)), '\\n'); set.seed(0); "
     "cat(sprintf('%.17g', quantile(abs(rnorm(1e6)), 0.95)), '\\n')"],
    capture_output=True, text=True, check=True).stdout.split("\n")

out = {
    "coefficients": list(fit.coef().index),
    "betahat": b.tolist(),
    "sigma": V.tolist(),
    "readme": {
        "rm": {"mbar": [0.5, 1, 1.5, 2], "lb": [0.0241, 0.0171, 0.00859, -0.00107], "ub": [0.0673, 0.0720, 0.0796, 0.0883]},
        "sd": {"m": ms, "lb": [0.0259, 0.0132, 0.00286, -0.00714, -0.0171, -0.0271], "ub": [0.0607, 0.0787, 0.0907, 0.101, 0.111, 0.121]},
    },
    "moderndid": {
        "rm": {"lb": rm["lb"].to_list(), "ub": rm["ub"].to_list()},
        "sd": {"lb": sd["lb"].to_list(), "ub": sd["ub"].to_list()},
        "original": [float(orig.lb), float(orig.ub)],
    },
    "rnorm": {"first5": [float(x) for x in r[0].split()], "absQuantile95": float(r[1].split()[0])},
}
with open("../../StaggeredDiDTests/Fixtures/honestdid_ehec.json", "w") as f:
    json.dump(out, f, indent=1)
print(json.dumps({k: out[k] for k in ("readme", "moderndid", "rnorm")}, indent=1))

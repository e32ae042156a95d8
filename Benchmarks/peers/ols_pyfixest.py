"""Peer for the OLS benchmark: pyfixest feols with HC1 ("hetero") and CR1 standard errors, on the data
impact-bench wrote. Median of 3 runs after a warm-up; prints seconds on the last line."""
import sys, time, warnings
import numpy as np
import pandas as pd
import pyfixest as pf

warnings.filterwarnings("ignore")
path, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
raw = np.fromfile(path, dtype="<f8")
X = raw[: n * k].reshape((k, n)).T
df = pd.DataFrame(X[:, 1:], columns=[f"x{j}" for j in range(1, k)])
df["y"] = raw[n * k : n * k + n]
df["g"] = raw[n * k + n :].astype(np.int64)
rhs = " + ".join(f"x{j}" for j in range(1, k))

def once():
    f = pf.feols(f"y ~ {rhs}", data=df, vcov="hetero")
    hc1 = f.se().iloc[1]
    cr1 = f.vcov({"CRV1": "g"}).se().iloc[1]
    return hc1, cr1

print("pyfixest SE(x1) HC1 %.6g, CR1 %.6g" % once())
times = []
for _ in range(3):
    t0 = time.perf_counter(); once(); times.append(time.perf_counter() - t0)
print(sorted(times)[1])

"""Peer for the OLS benchmark: statsmodels OLS fit with HC1 and cluster-robust (CR1) covariances,
on the data impact-bench wrote. Median of 3 runs after a warm-up; prints seconds on the last line."""
import sys, time
import numpy as np
import statsmodels.api as sm

path, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
raw = np.fromfile(path, dtype="<f8")
X = raw[: n * k].reshape((k, n)).T.copy()
y = raw[n * k : n * k + n].copy()
g = raw[n * k + n :].astype(np.int64)

def once():
    res = sm.OLS(y, X).fit()
    hc1 = res.get_robustcov_results(cov_type="HC1").bse[1]
    cr1 = res.get_robustcov_results(cov_type="cluster", groups=g, use_correction=True).bse[1]
    return hc1, cr1

print("statsmodels SE(x1) HC1 %.6g, CR1 %.6g" % once())
times = []
for _ in range(3):
    t0 = time.perf_counter(); once(); times.append(time.perf_counter() - t0)
print(sorted(times)[1])

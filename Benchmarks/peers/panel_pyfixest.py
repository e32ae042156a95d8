"""Peer for the panel benchmarks: pyfixest's feols with two absorbed factors and CR1 by the larger
(`panel`), or its wild cluster bootstrap (`wild`: WCR, Rademacher, 9,999 draws; pyfixest calls the
`wildboottest` package), on the data impact-bench wrote. Median of 3 runs after a warm-up; prints
seconds on the last line."""
import sys, time, warnings
import numpy as np
import pandas as pd
import pyfixest as pf

warnings.filterwarnings("ignore")
kind, path, n, k = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
raw = np.fromfile(path, dtype="<f8")
cols = {f"x{j + 1}": raw[j * n:(j + 1) * n] for j in range(k)}
df = pd.DataFrame(cols)
df["y"] = raw[k * n:(k + 1) * n]
df["a"] = raw[(k + 1) * n:(k + 2) * n].astype(np.int64)
df["b"] = raw[(k + 2) * n:(k + 3) * n].astype(np.int64)
rhs = " + ".join(f"x{j + 1}" for j in range(k))

def once():
    if kind == "panel":
        f = pf.feols(f"y ~ {rhs} | a + b", data=df, vcov={"CRV1": "a"})
        return f.se().iloc[0]
    f = pf.feols(f"y ~ {rhs}", data=df, vcov={"CRV1": "a"})
    return f.wildboottest(param="x1", reps=9999, cluster="a", seed=1)["Pr(>|t|)"]

print("pyfixest", once())
times = []
for _ in range(3):
    t0 = time.perf_counter(); once(); times.append(time.perf_counter() - t0)
print(sorted(times)[1])

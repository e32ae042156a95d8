"""Peer for the CSV benchmark: pandas.read_csv (C engine), median of 3 runs after a warm-up."""
import sys, time
import pandas as pd

path = sys.argv[1]
pd.read_csv(path)
times = []
for _ in range(3):
    t0 = time.perf_counter(); pd.read_csv(path); times.append(time.perf_counter() - t0)
print(sorted(times)[1])

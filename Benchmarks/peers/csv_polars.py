"""Peer for the CSV benchmark: polars.read_csv (multi-threaded Rust reader), median of 3 runs after a warm-up."""
import sys, time
import polars as pl

path = sys.argv[1]
pl.read_csv(path)
times = []
for _ in range(3):
    t0 = time.perf_counter(); pl.read_csv(path); times.append(time.perf_counter() - t0)
print(sorted(times)[1])

"""Peer for the synthetic control benchmarks: pysyncon (Nelder-Mead, equal start, as R Synth's default).
  synth_pysyncon.py fit <csv>      one nested-V fit: 150 donors, 8 predictors, 20 pre-periods
  synth_pysyncon.py placebo <csv>  California (ADH predictors): the fit plus the placebo-in-space loop
Prints seconds on the last line (one run: the peer is slow)."""
import sys, time, warnings
import pandas as pd
from pysyncon import Dataprep, Synth
from pysyncon.utils import PlaceboTest
warnings.filterwarnings("ignore")

mode, path = sys.argv[1], sys.argv[2]
df = pd.read_csv(path)
if mode == "fit":
    dp = Dataprep(foo=df, predictors=["x1", "x2", "x3", "x4"], predictors_op="mean", time_predictors_prior=range(1, 21),
                  special_predictors=[("y", [t], "mean") for t in (5, 10, 15, 20)], dependent="y", unit_variable="unit",
                  time_variable="year", treatment_identifier="u000",
                  controls_identifier=[u for u in df.unit.unique() if u != "u000"], time_optimize_ssr=range(1, 21))
    t0 = time.perf_counter()
    Synth().fit(dataprep=dp, optim_method="Nelder-Mead", optim_initial="equal")
    print(time.perf_counter() - t0)
else:
    df["year"] = df["year"].astype(int)
    dp = Dataprep(foo=df, predictors=["lnincome", "age15to24", "retprice"], predictors_op="mean",
                  time_predictors_prior=range(1980, 1989),
                  special_predictors=[("beer", range(1984, 1989), "mean"), ("cigsale", [1988], "mean"),
                                      ("cigsale", [1980], "mean"), ("cigsale", [1975], "mean")],
                  dependent="cigsale", unit_variable="state", time_variable="year", treatment_identifier="California",
                  controls_identifier=[s for s in df.state.unique() if s != "California"], time_optimize_ssr=range(1970, 1989))
    t0 = time.perf_counter()
    s = Synth(); s.fit(dataprep=dp, optim_method="Nelder-Mead", optim_initial="equal")
    PlaceboTest().fit(dataprep=dp, scm=Synth(), scm_options={"optim_method": "Nelder-Mead", "optim_initial": "equal"})
    print(time.perf_counter() - t0)

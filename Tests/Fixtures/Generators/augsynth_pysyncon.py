"""Reference values for Tests/SyntheticControlTests/Fixtures/augsynth_pysyncon.json.

pysyncon's AugSynth (ridge-augmented SCM, a port of R augsynth with progfunc = "Ridge"), outcome
only (use_covariates=False), lambda chosen by its cross-validation, on Basque (1955-1969 pre-period,
17 donors including the Spain aggregate) and California (1970-1988, 38 donors).
Run: python3 augsynth_pysyncon.py > ../../SyntheticControlTests/Fixtures/augsynth_pysyncon.json
"""
import json, sys, warnings
import numpy as np, pandas as pd, pysyncon
from pysyncon import Dataprep, AugSynth
warnings.filterwarnings("ignore")

def run(df, unit, outcome, treated, start, treatment, end):
    controls = sorted(u for u in df[unit].unique() if u != treated)
    dp = Dataprep(foo=df, predictors=[], predictors_op="mean", time_predictors_prior=range(start, treatment),
                  special_predictors=[], dependent=outcome, unit_variable=unit, time_variable="year",
                  treatment_identifier=treated, controls_identifier=controls,
                  time_optimize_ssr=range(start, treatment))
    a = AugSynth(); a.fit(dataprep=dp, use_covariates=False)
    w = a.W
    Y = df.pivot(index="year", columns=unit, values=outcome)
    post = [t for t in Y.index if t >= treatment and t <= end]
    synth = Y.loc[post, controls].to_numpy() @ w
    att = float(np.mean(Y.loc[post, treated].to_numpy() - synth))
    return {"lambda": float(a.lambda_), "weights": dict(zip(controls, map(float, w))),
            "scmWeights": dict(zip(controls, map(float, a.synw))), "averageEffect": att}

basque = pd.read_csv("../../../Datasets/basque.csv"); basque["year"] = basque["year"].astype(int)
cal = pd.read_csv("../../../Datasets/california_prop99_smoking.csv"); cal["year"] = cal["year"].astype(int)
json.dump({"pysyncon": pysyncon.__version__,
           "basque": run(basque, "regionname", "gdpcap", "Basque Country (Pais Vasco)", 1955, 1970, 1997),
           "california": run(cal, "state", "cigsale", "California", 1970, 1989, 2000)}, sys.stdout, indent=1)

"""Reference values for Tests/RegressionTests/Fixtures/regression_statsmodels.json.

Produced with statsmodels (version printed into the file) on the bundled data sets:
    python3 regression_statsmodels.py > ../../RegressionTests/Fixtures/regression_statsmodels.json
OLS/WLS via statsmodels.formula.api; HC0-HC3 via cov_type='HCx'; cluster-robust via
cov_type='cluster' with use_correction=True (G/(G-1)*(N-1)/(N-K), Stata's CR1).
Rows with a missing value in any model column are dropped (missing='drop').
Term names are rewritten to ImpactEval's: Intercept -> (Intercept), C(x)[T.a] -> x[T.a].
"""
import json, re, sys
import numpy as np, pandas as pd, statsmodels, statsmodels.formula.api as smf

DATA = "../../../Datasets/"

def rename(t):
    if t == "Intercept": return "(Intercept)"
    m = re.match(r"C\((\w+)\)\[T\.(.*)\]$", t)
    if m:
        level = m.group(2)
        if re.fullmatch(r"-?\d+\.0", level): level = level[:-2]
        return f"{m.group(1)}[T.{level}]"
    return t

def case(name, file, outcome, covariates, factors=(), weights=None, cluster=None, estimators=("classical",)):
    sep = "\t" if file.endswith(".tsv") else ","
    df = pd.read_csv(DATA + file, sep=sep)
    cols = [outcome, *covariates, *factors] + ([weights] if weights else []) + ([cluster] if cluster else [])
    df = df[cols].dropna()
    rhs = " + ".join(list(covariates) + [f"C({f})" for f in factors])
    formula = f"{outcome} ~ {rhs}"
    if weights:
        model = smf.wls(formula, data=df, weights=df[weights])
    else:
        model = smf.ols(formula, data=df)
    out = {"name": name, "dataset": file, "outcome": outcome, "covariates": list(covariates),
           "factors": list(factors), "weights": weights, "cluster": cluster, "nobs": int(len(df)),
           "standardErrors": {}}
    base = model.fit()
    out["coefficients"] = {rename(k): float(v) for k, v in base.params.items()}
    out["rsquared"] = float(base.rsquared)
    for est in estimators:
        if est == "classical":
            res = base
        elif est.startswith("hc"):
            res = model.fit(cov_type=est.upper())
        elif est == "cr1":
            groups = pd.factorize(df[cluster])[0]
            res = model.fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": True, "df_correction": True})
        out["standardErrors"][est] = {rename(k): float(v) for k, v in res.bse.items()}
    return out

cases = [
    case("nsw_full", "nsw_dehejia_wahba_445.tsv", "re78",
         ["t", "age", "educ", "black", "hisp", "married", "nodegree", "re74", "re75"],
         estimators=("classical", "hc0", "hc1", "hc2", "hc3")),
    case("mpdta_cluster", "mpdta.csv", "lemp", ["treat", "lpop"], factors=["year"], cluster="countyreal",
         estimators=("classical", "hc1", "cr1")),
    case("california_cluster", "california_prop99_smoking.csv", "cigsale", ["retprice", "lnincome"],
         factors=["year"], cluster="state", estimators=("classical", "hc1", "hc3", "cr1")),
    case("nmes_wls", "nmes_causaldrf.csv", "TOTALEXP", ["packyears", "LASTAGE", "MALE"], factors=["RACE3"],
         weights="HSQACCWT", cluster="SREGION", estimators=("classical", "hc1", "hc2", "cr1")),
]
json.dump({"generator": "Tests/Fixtures/Generators/regression_statsmodels.py",
           "statsmodels": statsmodels.__version__, "cases": cases}, sys.stdout, indent=1)

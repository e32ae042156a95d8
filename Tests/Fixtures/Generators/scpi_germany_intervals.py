"""Reference prediction intervals for West Germany from scpi-pkg (Cattaneo, Feng & Titiunik 2021; the
Python package, version 4.0.0) with its defaults: outcome (GDP per capita) only, simplex weights,
pre-period 1960-1990, post-period 1991-2003, cointegrated data, no constant, u_order 1, u_sigma HC1,
rho type-2 (rho_max 0.2), e_method "all" (gaussian, location-scale, quantile regression) with e_order 1,
u_alpha = e_alpha = 0.05.

Two runs:
  * "exact": 200 simulations with numpy's seed 1. The 16 x 200 standard normal draws scpi makes for the
    in-sample simulation are recorded (by wrapping numpy.random.normal), with every simulation's
    optimisation results (vsig, by wrapping scpi_in_diag) and every output. Given the same draws the
    Swift implementation must reproduce these up to the solver's tolerance.
  * "reference": 2,000 simulations with seed 2, for the test that uses the Swift generator's own draws.
    Each simulated bound is a sample quantile; its Monte Carlo standard error is estimated from the
    order statistics (the distribution-free binomial interval for a quantile) and stored with it.

scpi-pkg's Python port computes the simultaneous in-sample bound as numpy.nanquantile over periods of the
per-period minimum over simulations (axis=0), where the R package and the paper take the quantile over
simulations of each simulation's minimum over periods. ImpactEval follows R and the paper; the fixture
stores both (the R definition recomputed here from the recorded vsig).

scpi hands ECOS its right-hand sides in single precision (float32) and the constraint's scale here is
about 1e8 (GDP per capita squared), so each of its per-draw optima is off by up to a few percent of the
bound (about 0.5% typically). The first 20 draws' programs are therefore also solved in double
precision with Clarabel (through cvxpy, tolerances 1e-10) and stored as "precise": the Swift solver is
checked per draw against those, and against scpi's own numbers only after the quantiles.

A third run ("short", seed 3) uses only 1983-1990 as the pre-period: with 8 periods for 16 donors Q and
Sigma are singular (scpi's ECOS works in Q's range; the Swift solver adds a tiny ridge), and the designs
fall back to a constant. All 200 draws are also solved precisely (Clarabel, with an accurate root of Sigma),
and their quantiles stored, since scpi's single-precision optima move its tail quantiles visibly here.

Run from the repository root:  python3 Tests/Fixtures/Generators/scpi_germany_intervals.py
(scpi-pkg 4.0.0 needs pandas < 3: run it in a virtual environment with `pip install "pandas<3" scpi-pkg==4.0.0`.)
Writes Tests/SyntheticControlTests/Fixtures/scpi_germany_intervals.json.
"""
import json
import math
import warnings

import numpy as np
import pandas as pd
import scpi_pkg.scpi as scpi_module
import scpi_pkg.version
from scpi_pkg.scdata import scdata

warnings.simplefilter("ignore")

data = pd.read_csv("Datasets/germany.csv")
donors = sorted(set(data.country) - {"West Germany"})
prep = scdata(df=data, id_var="country", time_var="year", outcome_var="gdp",
              period_pre=np.arange(1960, 1991), period_post=np.arange(1991, 2004),
              unit_tr="West Germany", unit_co=donors, features=None, cov_adj=None,
              cointegrated_data=True, constant=False)
J = len(donors)

recorded = {}
normal = np.random.normal


def recording_normal(*args, **kwargs):
    out = normal(*args, **kwargs)
    if kwargs.get("size") is not None and np.size(out) % J == 0 and np.size(out) >= J * 100:
        recorded["zeta"] = np.array(out).reshape(J, -1)
    return out


in_diag = scpi_module.scpi_in_diag


def recording_in_diag(*args, **kwargs):
    out = in_diag(*args, **kwargs)
    recorded["vsig"] = np.array(out)
    return out


np.random.normal = recording_normal
scpi_module.scpi_in_diag = recording_in_diag


def run(seed, sims, data_prep=None):
    recorded.clear()
    np.random.seed(seed)
    return scpi_module.scpi(data_prep or prep, w_constr={"name": "simplex"}, sims=sims, e_method="all", verbose=False)


def column(frame, name):
    return [float(v) for v in frame[name].to_numpy()]


def r_joint(vsig, t1, alpha):
    """R's scpi: per simulation the minimum (maximum) over periods, then the quantile over simulations."""
    lower = np.nanquantile(np.nanmin(vsig[:, :t1], axis=1), alpha / 2)
    upper = np.nanquantile(np.nanmax(vsig[:, t1:], axis=1), 1 - alpha / 2)
    return float(lower), float(upper)


def quantile_se(values, q):
    """Monte Carlo standard error of numpy's sample quantile: half the width of the 95% binomial
    order-statistic interval, divided by 1.96."""
    x = np.sort(values[~np.isnan(values)])
    n = len(x)
    half = 1.96 * math.sqrt(n * q * (1 - q))
    lo = max(int(math.floor(n * q - half)), 0)
    hi = min(int(math.ceil(n * q + half)), n - 1)
    return float((x[hi] - x[lo]) / (2 * 1.96))


exact = run(1, 200)
exact_zeta = recorded["zeta"]
t1 = len(exact.Y_post_fit)
years = [int(i[1]) if isinstance(i, tuple) else int(i) for i in exact.Y_post_fit.index]
zeta = exact_zeta
vsig = recorded["vsig"]
synthetic_post = [float(v) for v in np.asarray(exact.Y_post_fit).flatten()]
w = exact.w.iloc[:, 0]
u_D = exact.u_D
e_D = exact.e_D


def outputs(result, vsig):
    out = {
        "in_sample": {"lower": column(result.CI_in_sample, "Lower"), "upper": column(result.CI_in_sample, "Upper")},
        "gaussian": {"lower": column(result.CI_all_gaussian, "Lower"), "upper": column(result.CI_all_gaussian, "Upper")},
        "ls": {"lower": column(result.CI_all_ls, "Lower"), "upper": column(result.CI_all_ls, "Upper")},
        "qreg": {"lower": column(result.CI_all_qreg, "Lower"), "upper": column(result.CI_all_qreg, "Upper")},
        # scpi-pkg's own simultaneous bounds, as offsets from the synthetic outcome (bounds["joint"]).
        "joint_python_offsets": {"lower": column(result.bounds["joint"], "Lower"), "upper": column(result.bounds["joint"], "Upper")},
    }
    lower, upper = r_joint(vsig, t1, 0.05)
    synthetic = [float(v) for v in np.asarray(result.Y_post_fit).flatten()]
    e_joint_lower = [g - i for g, i in zip(out["gaussian"]["lower"], out["in_sample"]["lower"])]
    e_joint_upper = [g - i for g, i in zip(out["gaussian"]["upper"], out["in_sample"]["upper"])]
    eps = math.sqrt(math.log(t1 + 1))
    # Simultaneous bands for the synthetic outcome: synthetic + joint in-sample bound + sqrt(log(T1 + 1)) x the
    # gaussian out-of-sample bound (R's simultaneousPredGet).
    out["joint_r"] = {
        "lower": [s + lower + eps * e for s, e in zip(synthetic, e_joint_lower)],
        "upper": [s + upper + eps * e for s, e in zip(synthetic, e_joint_upper)],
    }
    return out


# Double-precision optima of the first 20 draws (both directions, every post period).
import cvxpy as cp
from scipy.linalg import sqrtm

B = data[(data.year >= 1960) & (data.year <= 1990)].pivot(index="year", columns="country", values="gdp")[donors].to_numpy()
P = data[(data.year >= 1991) & (data.year <= 2003)].pivot(index="year", columns="country", values="gdp")[donors].to_numpy()
Z = B[1:]
Q = Z.T @ Z / len(Z)
beta = exact.w.iloc[:, 0].to_numpy()
rho = float(list(exact.rho.values())[0])
lb = np.where(beta < rho, beta, 0.0)
root = np.real(sqrtm(np.asarray(exact.Sigma)))
precise = []
for s in range(20):
    G = root @ exact_zeta[:, s]
    row = []
    for sense in ["lower", "upper"]:
        for t in range(len(P)):
            x = cp.Variable(J)
            objective = cp.Maximize(P[t] @ x) if sense == "lower" else cp.Minimize(P[t] @ x)
            problem = cp.Problem(objective, [cp.quad_form(x - beta, Q) - 2 * G @ (x - beta) <= 0, cp.sum(x) == 1, x >= lb])
            problem.solve(solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
            row.append(float(P[t] @ (beta - x.value)))
    precise.append(row)

reference = run(2, 2000)
ref_vsig = recorded["vsig"]
ref = outputs(reference, ref_vsig)
ref["in_sample_se"] = {
    "lower": [quantile_se(ref_vsig[:, t], 0.025) for t in range(t1)],
    "upper": [quantile_se(ref_vsig[:, t1 + t], 0.975) for t in range(t1)],
}
ref["joint_se"] = {
    "lower": quantile_se(np.nanmin(ref_vsig[:, :t1], axis=1), 0.025),
    "upper": quantile_se(np.nanmax(ref_vsig[:, t1:], axis=1), 0.975),
}

# A short pre-period (1983-1990: 8 periods, 7 after differencing, for 16 donors): Q is singular, the
# designs fall back to a constant and the quantile bounds to empirical quantiles. scpi's own weights are
# used (with 8 periods and 16 donors they need not be unique).
short_prep = scdata(df=data, id_var="country", time_var="year", outcome_var="gdp",
                    period_pre=np.arange(1983, 1991), period_post=np.arange(1991, 2004),
                    unit_tr="West Germany", unit_co=donors, features=None, cov_adj=None,
                    cointegrated_data=True, constant=False)
short = run(3, 200, short_prep)
short_zeta, short_vsig = recorded["zeta"], recorded["vsig"]
Zs = B[-8:][1:]
Qs = Zs.T @ Zs / len(Zs)
beta_s = short.w.iloc[:, 0].to_numpy()
rho_s = float(list(short.rho.values())[0])
lb_s = np.where(beta_s < rho_s, beta_s, 0.0)
# Sigma is singular here too, and scipy's sqrtm (which scpi uses) is inaccurate for singular matrices (its
# root is off by about 1e-5 relative): the precise optima use the symmetric root from the eigendecomposition,
# as the Swift code does, for every draw; their quantiles give the precise bounds.
values, vectors = np.linalg.eigh(np.asarray(short.Sigma))
# (eigenvalues below 1e6 machine epsilons of the largest are rounding noise and taken as zero, as in Swift)
root_s = (vectors * np.sqrt(np.where(values > 1e6 * np.finfo(float).eps * values[-1], values, 0))) @ vectors.T
short_precise = []
for s in range(200):
    G = root_s @ short_zeta[:, s]
    row = []
    for sense in ["lower", "upper"]:
        for t in range(len(P)):
            x = cp.Variable(J)
            objective = cp.Maximize(P[t] @ x) if sense == "lower" else cp.Minimize(P[t] @ x)
            quad = cp.quad_form(x - beta_s, cp.psd_wrap(Qs))
            problem = cp.Problem(objective, [quad - 2 * G @ (x - beta_s) <= 0, cp.sum(x) == 1, x >= lb_s])
            problem.solve(solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
            row.append(float(P[t] @ (beta_s - x.value)))
    short_precise.append(row)

out = {
    "scpi_pkg": scpi_pkg.version.__version__,
    "donors": donors,
    "years": years,
    "weights": [float(v) for v in w.to_numpy()],
    "synthetic_post": synthetic_post,
    "rho": float(list(exact.rho.values())[0]),
    "Q_star": float(list(exact.Q_star.values())[0]),
    "Sigma": np.asarray(exact.Sigma).tolist(),
    "u_design_columns": [str(c) for c in u_D.columns],
    "u_T": int(exact.u_T),
    "e_design_columns": [str(c) for c in e_D.columns],
    "e_T": int(exact.e_T),
    "e_mean": [float(v) for v in np.asarray(exact.e_mean).flatten()],
    "e_var": [float(v) for v in np.asarray(exact.e_var).flatten()],
    "exact": {
        "seed": 1,
        "sims": 200,
        "zeta": zeta.tolist(),
        "precise_vsig": precise,
        "vsig": np.where(np.isnan(vsig), None, vsig).tolist(),
        **outputs(exact, vsig),
    },
    "reference": {"seed": 2, "sims": 2000, **ref},
    "short": {
        "seed": 3,
        "sims": 200,
        "weights": [float(v) for v in beta_s],
        "rho": rho_s,
        "u_design_columns": [str(c) for c in short.u_D.columns],
        "e_design_columns": [str(c) for c in short.e_D.columns],
        "zeta": short_zeta.tolist(),
        "precise_vsig": short_precise,
        "precise_in_sample_offsets": {
            "lower": [float(v) for v in np.quantile(np.array(short_precise)[:, :t1], 0.025, axis=0)],
            "upper": [float(v) for v in np.quantile(np.array(short_precise)[:, t1:], 0.975, axis=0)],
        },
        "precise_joint_offsets": dict(zip(["lower", "upper"], r_joint(np.array(short_precise), t1, 0.05))),
        "scpi_joint_offsets": dict(zip(["lower", "upper"], r_joint(short_vsig, t1, 0.05))),
        **outputs(short, short_vsig),
    },
}
with open("Tests/SyntheticControlTests/Fixtures/scpi_germany_intervals.json", "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
print("rho", out["rho"], "Q*", out["Q_star"], "u", out["u_design_columns"], "e", out["e_design_columns"])
for name in ["in_sample", "gaussian", "ls", "qreg", "joint_r", "joint_python_offsets"]:
    print(name, [round(v, 1) for v in out["exact"][name]["lower"][:3]], [round(v, 1) for v in out["exact"][name]["upper"][:3]])
print("ref in-sample SE (lower)", [round(v, 2) for v in ref["in_sample_se"]["lower"][:5]])

"""Reference values for partially pooled synthetic control (augsynth's multisynth).

augsynth itself cannot be installed here (its QP solver osqp is not packaged for Debian's R), so this
script transcribes augsynth's `multisynth` (R/multisynth_class.R, R/multi_synth_qp.R, R/outcome_multi.R,
R/eligible_donors.R at ebenmichael/augsynth master) into numpy and solves the same stacked QP
(`make_Pmat`, `make_qvec`, `make_constraint_mats`) with OSQP, the solver augsynth calls, at tight
tolerances (eps 1e-11 and solution polishing instead of augsynth's default 1e-4) so that the fixture
holds the QP's optimum rather than OSQP's stopping point. Every formula below names the R function
it follows; nothing here is ImpactEval code.

Run: python3 Tests/Fixtures/Generators/multisynth_osqp.py > Tests/SyntheticControlTests/Fixtures/multisynth_osqp.json
(numpy, scipy, pandas, osqp 1.1.3).
"""

import json
import math
import sys

import numpy as np
import osqp
import pandas as pd
import scipy.sparse as sp

DATASETS = "Datasets"


def format_data_stag(df, unit, time, outcome, adoption):
    """format_data_stag: units sorted as R sorts them, trt = index of the first treated period."""
    times = np.sort(df[time].unique())
    units = sorted(df[unit].unique())
    wide = df.pivot(index=unit, columns=time, values=outcome).loc[units, times].to_numpy(float)
    adopt = df.groupby(unit)[adoption].first().loc[units].to_numpy(float)
    trt = np.array([np.searchsorted(times, a) if np.isfinite(a) else np.inf for a in adopt])
    return units, times, wide, trt


def fit_feff(Y, trt, fixedeff):
    """fit_feff with force = 3 (fixedeff) or 2: period effects from never-treated units, then unit
    means over each cohort's pre-periods. Returns residuals per treated unit's cohort."""
    never = ~np.isfinite(trt)
    time_eff = Y[never].mean(axis=0)
    res = Y - time_eff
    out = {}
    for tj in set(trt[np.isfinite(trt)].astype(int)):
        out[tj] = res - res[:, :tj].mean(axis=1, keepdims=True) if fixedeff else res
    return out


def multisynth_qp(X, trt, Z, n_lags, nu, lam, donors, norm_pool=1.0, norm_sep=1.0):
    """multisynth_qp with relative = T, V = identity, time_cohort = F.

    X: dict cohort -> n x d matrix (d = periods before the last adoption) or one matrix."""
    n = len(trt)
    treated = [i for i in range(n) if np.isfinite(trt[i])]
    grps = [int(trt[i]) for i in treated]
    J = len(grps)
    Xj = [X[g] if isinstance(X, dict) else X for g in grps]
    d = Xj[0].shape[1]
    x_t = [Xj[j][treated[j], : grps[j]] for j in range(J)]
    Xc = [Xj[j][donors[j]][:, : grps[j]] for j in range(J)]
    if Z is not None:
        z_t = [Z[treated[j]] for j in range(J)]
        Zc = [Z[donors[j]] for j in range(J)]
        dz = Z.shape[1]
    else:
        z_t = [np.zeros(1) for _ in range(J)]
        Zc = [np.zeros((len(donors[j]), 1)) for j in range(J)]
        dz = 1
    n0s = [len(dn) for dn in donors]
    total = sum(n0s)
    max_dim = min(d, n_lags)
    ndims = [min(len(x), n_lags) for x in x_t]
    # make_constraint_mats
    A1 = sp.block_diag([np.ones((1, n0)) for n0 in n0s])
    A_w = sp.vstack([A1, sp.identity(total)])
    blocks = []
    for j in range(J):
        dj = len(x_t[j])
        ndim = ndims[j]
        mat = Xc[j][:, dj - ndim : dj]
        blocks.append(np.hstack([np.zeros((mat.shape[0], max_dim - ndim)), mat]).T)
    A_trans1 = sp.block_diag(blocks)
    sum_tj = max_dim * J
    A_trans = sp.hstack([A_trans1, -sp.identity(sum_tj), sp.csr_matrix((A_trans1.shape[0], dz * J))])
    A_transz = sp.block_diag([z.T for z in Zc])
    A_transz = sp.hstack([A_transz, sp.csr_matrix((A_transz.shape[0], sum_tj)), -sp.identity(dz * J)])
    A = sp.vstack([sp.hstack([A_w, sp.csr_matrix((A_w.shape[0], sum_tj + dz * J))]), A_trans, A_transz]).tocsc()
    l = np.concatenate([np.ones(J), np.zeros(total), np.zeros(sum_tj), np.zeros(dz * J)])
    u = np.concatenate([np.ones(J), np.full(total, np.inf), np.zeros(sum_tj), np.zeros(dz * J)])
    # make_qvec
    q_ind = []
    avg = np.zeros(max_dim)
    for j in range(J):
        dj = len(x_t[j])
        ndim = ndims[j]
        vec = np.concatenate([np.zeros(max_dim - ndim), x_t[j][dj - ndim : dj]])
        q_ind.append(vec / ndim)
        avg += vec
    q_ind = np.concatenate(q_ind)
    q_avg = np.tile(avg, J)
    q = -(nu * q_avg / (norm_pool * n_lags * J**2) + (1 - nu) * q_ind / (norm_sep * J))
    qz_avg = np.tile(sum(z_t), J)
    qz = -(nu * qz_avg / (norm_pool * J**2) + (1 - nu) * np.concatenate(z_t) / (norm_sep * J)) / len(z_t[0])
    qvec = np.concatenate([np.zeros(total), q, qz])
    # make_Pmat
    V1 = sp.block_diag([sp.identity(max_dim) / nd for nd in ndims])
    V2 = sp.kron(np.ones((J, J)), sp.identity(max_dim)) / n_lags
    P = nu * V2 / (norm_pool * J**2) + (1 - nu) * V1 / (norm_sep * J)
    V1z = sp.identity(dz * J) / dz
    V2z = sp.kron(np.ones((J, J)), sp.identity(dz)) / dz
    Pz = nu * V2z / (norm_pool * J**2) + (1 - nu) * V1z / (norm_sep * J)
    Pmat = sp.block_diag([sp.csr_matrix((total, total)), P, Pz]) + lam * sp.block_diag(
        [sp.identity(total), sp.csr_matrix((sum_tj + dz * J, sum_tj + dz * J))]
    )
    solver = osqp.OSQP()
    solver.setup(sp.triu(Pmat).tocsc(), qvec, A, l, u, verbose=False, eps_abs=1e-11, eps_rel=1e-11,
                 eps_prim_inf=1e-12, eps_dual_inf=1e-12, max_iter=2_000_000, polishing=True,
                 polish_refine_iter=50)
    out = solver.solve()
    assert out.info.status in ("solved", "solved inaccurate"), out.info.status
    x = out.x
    cum = np.concatenate([[0], np.cumsum(n0s)])
    weights = [np.maximum(x[cum[j] : cum[j + 1]], 0) for j in range(J)]
    imbalance = np.zeros((d, J))
    for j in range(J):
        dj = len(x_t[j])
        ndim = min(dj, n_lags)
        imbalance[d - ndim :, j] = x_t[j][dj - ndim :] - Xc[j][:, dj - ndim : dj].T @ x[cum[j] : cum[j + 1]]
    avg_imbal = imbalance.mean(axis=1)
    sl = slice(d - n_lags, d)
    global_l2 = math.sqrt(avg_imbal[sl] @ avg_imbal[sl]) / math.sqrt(d)
    avg_l2 = np.mean([math.sqrt(imbalance[sl, j] @ imbalance[sl, j]) for j in range(J)])
    ind_l2 = math.sqrt(np.mean([(imbalance[sl, j] @ imbalance[sl, j]) / np.count_nonzero(imbalance[sl, j]) for j in range(J)]))
    return dict(weights=weights, imbalance=imbalance, global_l2=global_l2, ind_l2=ind_l2, avg_l2=avg_l2, status=out.info.status)


def multisynth(df, unit, time, outcome, adoption, nu=None, lam=0.0, n_lags=None, n_leads=None, fixedeff=True, covariates=()):
    units, times, Y, trt = format_data_stag(df, unit, time, outcome, adoption)
    T = len(times)
    d = int(np.max(trt[np.isfinite(trt)]))
    n_leads = T - d if n_leads is None else min(n_leads, T)
    n_lags = d if n_lags is None else min(n_lags, d)
    res = fit_feff(Y, trt, fixedeff)
    bal = {g: r[:, :d] for g, r in res.items()}
    treated = [i for i in range(len(units)) if np.isfinite(trt[i])]
    # get_eligible_donors: units adopting more than n_leads periods after unit j
    donors = [[i for i in range(len(units)) if trt[i] > n_leads + trt[t]] for t in treated]
    Z = Zraw = None
    if covariates:
        first = int(np.min(trt[np.isfinite(trt)]))
        Zraw = np.column_stack([
            df[df[time] < times[first]].groupby(unit)[c].mean().loc[units].to_numpy(float) for c in covariates])
        never = ~np.isfinite(trt)
        # sdx <- sd(X[is.finite(trt)]) with X = residuals of the first treated unit's cohort (list case)
        X1 = bal[int(trt[treated[0]])]
        sdx = np.std(X1[np.isfinite(trt)].ravel(), ddof=1)
        Z = sdx * (Zraw - Zraw[never].mean(axis=0)) / Zraw[never].std(axis=0, ddof=1)
    sep = multisynth_qp(bal, trt, Z, n_lags, 0.0, lam, donors)
    if nu is None:
        nu = sep["global_l2"] * math.sqrt(sep["imbalance"].shape[0]) / sep["avg_l2"]
    fit = multisynth_qp(bal, trt, Z, n_lags, nu, lam, donors, norm_pool=sep["global_l2"] ** 2, norm_sep=sep["ind_l2"] ** 2)
    unif = multisynth_qp(Y[:, :d], trt, Z, n_lags, 0.0, 1e10, donors)
    # predict.multisynth(att = T): tau_j(t) = res_j(t) - sum_i w_i res_i(t), relative time
    units_out = []
    by_event = {}
    averages = []
    for j, t in enumerate(treated):
        tj = int(trt[t])
        r = res[tj]
        w = fit["weights"][j]
        tau = r[t] - w @ r[donors[j]]
        end = min(tj + n_leads, T)
        for s in range(end):
            by_event.setdefault(s - tj, []).append(tau[s])
        averages.append(float(np.mean(tau[tj:end])))
        units_out.append(dict(
            unit=str(units[t]), weights={str(units[i]): float(v) for i, v in zip(donors[j], w) if v > 1e-6},
            average=averages[-1]))
    result = dict(
        nu=nu, lambda_=lam, global_l2=fit["global_l2"], ind_l2=fit["ind_l2"],
        separate_global_l2=sep["global_l2"], separate_ind_l2=sep["ind_l2"],
        scaled_global_l2=fit["global_l2"] / unif["global_l2"], scaled_ind_l2=fit["ind_l2"] / unif["ind_l2"],
        average=float(np.mean(averages)),
        event_time={str(k): float(np.mean(v)) for k, v in sorted(by_event.items())},
        units=units_out, status=[sep["status"], fit["status"], unif["status"]])
    if covariates:
        imb = np.zeros(len(covariates))
        for j, t in enumerate(treated):
            imb += Zraw[t] - fit["weights"][j] @ Zraw[donors[j]]
        result["covariate_imbalance"] = dict(zip(covariates, (imb / len(treated)).tolist()))
    return result


def main():
    ehec = pd.read_csv(f"{DATASETS}/ehec.csv")
    ehec["yexp2"] = ehec["yexp2"].fillna(np.inf)
    mpdta = pd.read_csv(f"{DATASETS}/mpdta.csv")
    mpdta["first.treat"] = mpdta["first.treat"].replace(0, np.inf).astype(float)
    out = {
        "ehec_default": multisynth(ehec, "stfips", "year", "dins", "yexp2"),
        "ehec_leads3": multisynth(ehec, "stfips", "year", "dins", "yexp2", n_leads=3),
        "ehec_nu_half_ridge": multisynth(ehec, "stfips", "year", "dins", "yexp2", nu=0.5, lam=1e-2, n_leads=3),
        "ehec_no_fixed_effects": multisynth(ehec, "stfips", "year", "dins", "yexp2", fixedeff=False, lam=1e-2),
        "ehec_covariate": multisynth(ehec, "stfips", "year", "dins", "yexp2", lam=1e-2, covariates=("W",)),
        # With fixed effects the 2004 cohort's one demeaned pre-period is identically zero, which makes
        # augsynth's ind_l2 0/0 (NaN); without them the problem is well posed.
        "mpdta_covariate_no_fixed_effects": multisynth(
            mpdta, "countyreal", "year", "lemp", "first.treat", lam=1e-1, fixedeff=False, covariates=("lpop",)),
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

"""Reference values for Tests/LinearAlgebraTests/Fixtures/linear_algebra_numpy.json.

numpy (LAPACK) on the NSW 445 covariate matrix X = [1, age, educ, black, hisp, married, nodegree, re74, re75]:
singular values of X, eigenvalues of XᵀX, the least-squares solution of X b = re78, log det(XᵀX),
and diag((XᵀX)⁻¹). Run: python3 linear_algebra_numpy.py > ../../LinearAlgebraTests/Fixtures/linear_algebra_numpy.json
"""
import json, sys
import numpy as np, pandas as pd

d = pd.read_csv("../../../Datasets/nsw_dehejia_wahba_445.tsv", sep="\t")
cols = ["age", "educ", "black", "hisp", "married", "nodegree", "re74", "re75"]
X = np.column_stack([np.ones(len(d))] + [d[c].to_numpy(float) for c in cols])
y = d["re78"].to_numpy(float)
G = X.T @ X
out = {
    "numpy": np.__version__,
    "columns": ["(Intercept)"] + cols,
    "singularValues": np.linalg.svd(X, compute_uv=False).tolist(),
    "gramEigenvalues": np.linalg.eigvalsh(G).tolist(),
    "leastSquares": np.linalg.lstsq(X, y, rcond=None)[0].tolist(),
    "gramLogDeterminant": float(np.linalg.slogdet(G)[1]),
    "gramInverseDiagonal": np.diag(np.linalg.inv(G)).tolist(),
}
json.dump(out, sys.stdout, indent=1)

#!/bin/sh
# Regenerates contdid_r.json. Needs R (Debian r-base-core 4.2.2) with r-cran-splines2, r-cran-sandwich,
# r-cran-checkmate, r-cran-ggplot2, r-cran-mass, r-cran-data.table, r-cran-dplyr, r-cran-pbapply,
# r-cran-tidyr, r-cran-caret, r-cran-rcpp, r-cran-matrix, and the GitHub sources of BMisc (d15ae2d),
# DRDID, ptetools (bda4aa5) and contdid (443c1c1) installed into $CONTDID_LIB with `R CMD INSTALL`.
# Packages absent from Debian were relaxed, not changed in what this run uses: contdid's `import(npiv)`
# (only its CCK estimator needs npiv) and DRDID's trust/fastglm imports were dropped, and fastglm was
# replaced by a stub calling stats::glm.fit (DRDID's no-covariate panel DiD, the only path run here,
# fits an intercept by least squares).
set -e
here=$(dirname "$0")
Rscript "$here/../../../Scripts/make_contdid_readme.R" /tmp/contdid_readme.csv
cmp /tmp/contdid_readme.csv "$here/../../../Datasets/contdid_readme.csv"
Rscript "$here/contdid_r.R" "$here/../../../Datasets/contdid_readme.csv" "$here/contdid_r.json"

# Reference values for ContinuousDiD from R contdid (Callaway, Goodman-Bacon & Sant'Anna).
#
# Peers: contdid 0.1.0 (bcallaway11/contdid 443c1c1), ptetools (bcallaway11/ptetools bda4aa5),
# BMisc (bcallaway11/BMisc d15ae2d), DRDID (pedrohcgs/DRDID), R 4.2.2, splines2 0.4.7, installed from
# source with `R CMD INSTALL` (see contdid_r.sh, which also builds the data set with contdid's
# simulate_contdid_data code and set.seed(1234), reproducing the README's first rows).
#
# Two runs:
# 1. contdid as shipped: the overall ATT and ACRT (the README prints -0.0265 and 0.1341), and the
#    event-study aggregations as shipped (level, which the README prints, and slope).
# 2. contdid with two corrections (PATCH 1 and 2 below), for the curve and its standard errors.
#    PATCH 1: each (g,t) regression's B-spline basis takes the
#    boundary knots of the dose grid instead of the range of that cell's doses. As shipped, cont_did_acrt
#    fits on a basis whose boundary knots are the cell's dose range and then evaluates the fitted
#    coefficients on splines2::bSpline(dvals), whose boundary knots are range(dvals): a different basis,
#    so the reported ATT(d) and ACRT(d) are not the fitted spline (0.021 and 0.19 off here). The fitted
#    function itself does not depend on the boundary knots (with an intercept, the B-splines span the
#    same piecewise polynomials whenever the boundary covers the data), so with dvals spanning every
#    dose and the patch, run 2 evaluates the fitted spline exactly; the overall ATT and ACRT equal run 1's.
#    PATCH 2: ptetools' process_dose_gt negates the comparison units' influence function
#    (`-replicate(...)`) although DRDID's is already that of a subtracted mean; the sign is restored,
#    which changes the ATT(d) standard errors by 1-6% here (ACRT(d) has no comparison part).
# Also: the level event study as shipped passes the continuous dose to DRDID's drdid_panel as if it
# were the 0/1 treatment (cont_two_by_two_subset keeps D as the dose), which weights units by dose and
# lets treated units into the comparison; e = -2 is then -0.0222 where the cell's DiD is -0.0297. The
# fixture also records ptetools::pte_default's binary event study on the same data (the correct one).
# Not used as a reference: R's standard error of the overall ACRT. ptetools scales each cell's
# influence function by n / (units in the cell), but cont_did_acrt's is centred over the cell's treated
# units only, so the overall ACRT's standard error comes out about 2.2 times too small here (0.061,
# where a nonparametric bootstrap over units gives 0.136); the tests check ours against a bootstrap.
# Not used: R's uniform band (mboot2 divides the sup-t statistic by sqrt(n) twice, so it always falls
# back to the pointwise value); the tests compare our analytic and bootstrap standard errors with the
# standard deviation of R's influence functions instead.
.libPaths(c(Sys.getenv("CONTDID_LIB", "/tmp/rlib"), .libPaths()))
suppressMessages(library(contdid))
args <- commandArgs(trailingOnly = TRUE)
df <- read.csv(args[1])
out <- args[2]
num <- function(x) sprintf("%.17g", as.numeric(x))
fit <- function(aggregation, target, dvals = NULL) suppressWarnings(cont_did(
  yname = "Y", tname = "time_period", idname = "id", dname = "D", data = df, gname = "G",
  target_parameter = target, aggregation = aggregation, treatment_type = "continuous",
  control_group = "notyettreated", biters = 100, cband = FALSE, num_knots = 1, degree = 3, dvals = dvals))
set.seed(1)
shipped <- fit("dose", "slope")
es_level <- fit("eventstudy", "level")
es_slope <- fit("eventstudy", "slope")
treated <- df$D[df$time_period == 1 & df$D > 0]
dvals <- c(min(treated), quantile(treated, probs = seq(.1, .9, .1)), max(treated))
# PATCH: the regression basis uses the grid's boundary knots (see above).
env <- asNamespace("contdid")
body <- deparse(get("cont_did_acrt", env), width.cutoff = 500L)
body <- gsub("splines2::bSpline(dose[dose > 0], degree = degree, knots = knots)",
  "splines2::bSpline(dose[dose > 0], degree = degree, knots = knots, Boundary.knots = range(dvals))", body, fixed = TRUE)
body <- gsub("splines2::dbs(dose[dose > 0], degree = degree, knots = knots)",
  "splines2::dbs(dose[dose > 0], degree = degree, knots = knots, Boundary.knots = range(dvals))", body, fixed = TRUE)
stopifnot(sum(grepl("Boundary.knots = range(dvals)", body, fixed = TRUE)) == 3)
unlockBinding("cont_did_acrt", env)
assign("cont_did_acrt", eval(parse(text = body), envir = env), envir = env)
# PATCH 2: the comparison units' influence function with its own sign.
penv <- asNamespace("ptetools")
pbody <- deparse(get("process_dose_gt", penv), width.cutoff = 500L)
pbody <- sub("out_inffunc[keep_mat2[, i], ] <- -replicate(", "out_inffunc[keep_mat2[, i], ] <- replicate(", pbody, fixed = TRUE)
stopifnot(sum(grepl("<- replicate(n = ncol(out_inffunc)", pbody, fixed = TRUE)) == 1)
unlockBinding("process_dose_gt", penv)
assign("process_dose_gt", eval(parse(text = pbody), envir = penv), envir = penv)
set.seed(1)
patched <- fit("dose", "slope", dvals = unname(dvals))
binary <- suppressWarnings(ptetools::pte_default(yname = "Y", gname = "G", tname = "time_period", idname = "id", data = df,
  d_outcome = TRUE, control_group = "notyettreated", biters = 100))
n <- nrow(patched$att.d_inffunc)
sdif <- function(m) sqrt(colSums(as.matrix(m)^2)) / n
es <- function(r) { a <- r$event_study; list(e = a$e, estimate = num(a$att.e)) }
json <- paste0('{\n',
  '  "generator": "contdid_r.sh / contdid_r.R: R contdid 0.1.0 (443c1c1) + ptetools (bda4aa5), R 4.2.2, splines2 0.4.7",\n',
  '  "shipped": {"overall_att": ', num(shipped$overall_att), ', "overall_acrt": ', num(shipped$overall_acrt), '},\n',
  '  "event_study_level_shipped": {"e": [', paste(es_level$event_study$egt, collapse = ", "), '], "estimate": [', paste(num(es_level$event_study$att.egt), collapse = ", "), ']},\n',
  '  "event_study_binary": {"e": [', paste(binary$event_study$egt, collapse = ", "), '], "estimate": [', paste(num(binary$event_study$att.egt), collapse = ", "), ']},\n',
  '  "event_study_slope": {"e": [', paste(es_slope$event_study$egt, collapse = ", "), '], "estimate": [', paste(num(es_slope$event_study$att.egt), collapse = ", "), ']},\n',
  '  "patched": {\n',
  '    "overall_att": ', num(patched$overall_att), ', "overall_acrt": ', num(patched$overall_acrt), ',\n',
  '    "overall_acrt_if_se": ', num(sdif(patched$overall_acrt_inffunc) * sqrt(n) / sqrt(nrow(as.matrix(patched$overall_acrt_inffunc)))), ',\n',
  '    "knots": [', paste(num(patched$pte_params$knots), collapse = ", "), '],\n',
  '    "dose": [', paste(num(patched$dose), collapse = ", "), '],\n',
  '    "att": [', paste(num(patched$att.d), collapse = ", "), '],\n',
  '    "acrt": [', paste(num(patched$acrt.d), collapse = ", "), '],\n',
  '    "att_if_se": [', paste(num(sdif(patched$att.d_inffunc)), collapse = ", "), '],\n',
  '    "acrt_if_se": [', paste(num(sdif(patched$acrt.d_inffunc)), collapse = ", "), ']\n',
  '  }\n}\n')
writeLines(json, out)

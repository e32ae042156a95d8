# Reference values for Tests/RegressionTests/Fixtures/design_r.json and
# Tests/MatchingTests/Fixtures/dose_balance_r.json.
#
# Run from this folder:
#   Rscript design_dose_r.R
# Uses R's lm/predict (model matrices with factors and interactions) and stats::cov.wt/sd (cobalt's
# col_w_corr definition with s.d.denom = "all": weighted covariance in the "unbiased" (reliability)
# form over unweighted standard deviations, sqrt(p(1 - p)) for a 0/1 covariate).
suppressMessages(library(jsonlite))

d <- read.csv("../../../Datasets/lalonde_matchit.csv")
fit <- lm(re78 ~ age + married + re74 + factor(black) + factor(hispan) + factor(nodegree) +
            age:married + factor(black):re74 + factor(hispan):factor(nodegree), data = d)
design <- list(
  r = R.version.string,
  names = names(coef(fit)),
  rank = fit$rank,
  coefficients = unname(coef(fit)),
  predictFirst50 = unname(predict(fit, newdata = d[1:50, ]))
)
writeLines(toJSON(design, digits = NA, auto_unbox = TRUE), "../../RegressionTests/Fixtures/design_r.json")

n <- read.csv("../../../Datasets/nmes_causaldrf.csv")
covs <- c("AGESMOKE", "LASTAGE", "MALE", "educate")
corr_all <- function(w) {
  sapply(covs, function(v) {
    x <- n[[v]]; dose <- n$packyears
    cw <- cov.wt(cbind(x, dose), wt = w / sum(w), method = "unbiased")$cov[1, 2]
    sx <- if (all(x %in% c(0, 1))) sqrt(mean(x) * (1 - mean(x))) else sd(x)
    cw / (sx * sd(dose))
  })
}
w <- n$HSQACCWT
dose <- list(
  r = R.version.string,
  covariates = covs,
  unweighted = unname(corr_all(rep(1, nrow(n)))),
  weighted = unname(corr_all(w)),
  weightedMeans = unname(sapply(covs, function(v) weighted.mean(n[[v]], w))),
  ess = sum(w)^2 / sum(w^2)
)
writeLines(toJSON(dose, digits = NA, auto_unbox = TRUE), "../../MatchingTests/Fixtures/dose_balance_r.json")

# Reference values for BSplineBasis: R splines2 0.4.7 (Debian r-cran-splines2), R 4.2.2.
# Run: Rscript splines2_r.R splines2.json
library(splines2)
x <- c(0.05, 0.2, 0.37, 0.5, 0.61, 0.8, 0.93, 1)
num <- function(m) paste0("[", paste(apply(as.matrix(m), 1, function(r) paste0("[", paste(sprintf("%.17g", r), collapse = ", "), "]")), collapse = ", "), "]")
cases <- list(
  list(degree = 3, knots = c(0.5), lo = 0.05, hi = 1, intercept = FALSE),
  list(degree = 3, knots = c(0.3, 0.6), lo = 0, hi = 1.2, intercept = TRUE),
  list(degree = 2, knots = numeric(0), lo = 0.05, hi = 1, intercept = FALSE),
  list(degree = 1, knots = c(0.25, 0.5, 0.75), lo = 0, hi = 1, intercept = FALSE))
out <- sapply(cases, function(c) {
  b <- bSpline(x, degree = c$degree, knots = c$knots, Boundary.knots = c(c$lo, c$hi), intercept = c$intercept)
  d <- dbs(x, degree = c$degree, knots = c$knots, Boundary.knots = c(c$lo, c$hi), intercept = c$intercept)
  sprintf('{"degree": %d, "knots": [%s], "lower": %s, "upper": %s, "intercept": %s, "values": %s, "derivatives": %s}',
    c$degree, paste(c$knots, collapse = ", "), c$lo, c$hi, tolower(c$intercept), num(b), num(d))
})
writeLines(sprintf('{"x": [%s], "cases": [%s]}', paste(x, collapse = ", "), paste(out, collapse = ",\n")), commandArgs(TRUE)[1])

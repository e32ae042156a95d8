# Builds Datasets/contdid_readme.csv: the simulated panel of the R contdid README
# (simulate_contdid_data(n = 5000, num_time_periods = 4, num_groups = 4, dose_linear_effect = 0,
# dose_quadratic_effect = 0) after set.seed(1234)), with the same draws in the same order as
# contdid 0.1.0's R/simulate_data.R, reshaped to long form without tidyr. Its first rows equal the
# README's `head(df)`. Run: Rscript Scripts/make_contdid_readme.R Datasets/contdid_readme.csv
set.seed(1234)
n <- 5000; periods <- 4; groups <- c(0, 2:periods)
G <- sample(groups, n, replace = TRUE, prob = rep(1 / 4, 4))
D <- runif(n, 0, 1)
eta <- rnorm(n, mean = G)
Y0 <- sapply(1:periods, function(tp) tp + eta + rnorm(n))
Y1 <- sapply(1:periods, function(tp) 0 * D + 0 * D^2 + tp + eta + rnorm(n))
post <- sapply(1:periods, function(tp) 1 * ((G <= tp) & G != 0))
Y <- post * Y1 + (1 - post) * Y0
out <- data.frame(
  id = rep(1:n, each = periods), G = rep(G, each = periods),
  D = sprintf("%.17g", rep(ifelse(G == 0, 0, D), each = periods)),
  time_period = rep(1:periods, n), Y = sprintf("%.17g", as.vector(t(Y))))
write.csv(out, commandArgs(trailingOnly = TRUE)[1], row.names = FALSE, quote = FALSE)

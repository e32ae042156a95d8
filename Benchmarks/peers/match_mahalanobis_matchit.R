# Peer for the Mahalanobis matching benchmark: MatchIt 1:1 nearest-neighbour matching on the
# Mahalanobis distance of the covariates (no propensity score) on the data impact-bench wrote.
# One timed run after a warm-up on the first 10,000 rows (MatchIt's scan is quadratic); prints seconds last.
suppressMessages(library(MatchIt))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
f <- as.formula(paste("treat ~", paste(setdiff(names(d), "treat"), collapse = " + ")))
invisible(matchit(f, data = d[1:10000, ], method = "nearest", distance = "mahalanobis"))
cat(system.time(matchit(f, data = d, method = "nearest", distance = "mahalanobis"))[["elapsed"]], "\n")

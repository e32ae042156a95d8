# Peer for the matching benchmark: MatchIt nearest-neighbour matching with a 0.2 SD caliper on the
# data impact-bench wrote, including the logistic propensity-score fit. Median of 3 runs after a
# warm-up; prints seconds on the last line.
suppressMessages(library(MatchIt))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
f <- as.formula(paste("treat ~", paste(setdiff(names(d), "treat"), collapse = " + ")))
once <- function() matchit(f, data = d, method = "nearest", distance = "glm", caliper = 0.2)
invisible(once())
times <- replicate(3, system.time(once())[["elapsed"]])
cat(sort(times)[2], "\n")

# Peer for the dose benchmark: R contdid (see Tests/DoseResponseTests/Fixtures/contdid_r.sh for the
# install) on Datasets/contdid_readme.csv with 1,000 multiplier-bootstrap draws and a uniform band.
# Median of 3 runs after a warm-up; prints seconds last.
.libPaths(c(Sys.getenv("CONTDID_LIB", "/tmp/rlib"), .libPaths()))
suppressMessages(library(contdid))
df <- read.csv(commandArgs(TRUE)[1])
run <- function() suppressWarnings(cont_did(yname = "Y", tname = "time_period", idname = "id", dname = "D", data = df, gname = "G",
  target_parameter = "slope", aggregation = "dose", treatment_type = "continuous", control_group = "notyettreated",
  biters = 1000, cband = TRUE, num_knots = 1, degree = 3))
invisible(run())
times <- replicate(3, system.time(run())[["elapsed"]])
cat(median(times), "\n")

# Writes schools.sas7bdat, the SAS data file that StatisticalFileReaderTests reads beside the .dta, .sav
# and .xpt written by statfiles.py: the same five schools. R 4.2 with haven 2.5.1 (Debian r-cran-haven),
# whose write_sas() writes .sas7bdat through ReadStat (pandas and pyreadstat cannot write this format).
# Run from this folder: Rscript statfiles_sas.R
library(haven)
schools <- data.frame(
  school = c("001", "002", "010", "011", "100"),
  referrals = c(3.5, NA, 7.25, 0, 12),
  wave = c(1, 1, 2, 3, 3),
  region = c(1, 2, 2, 1, 3),
  lead = c("NHS trust", "", "local authority", "charity", "NHS trust"),
  stringsAsFactors = FALSE
)
suppressWarnings(write_sas(schools, "schools.sas7bdat"))

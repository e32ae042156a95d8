# Reference values for Tests/RegressionTests/Fixtures/panel_clubsandwich.json: CR2 (Bell & McCaffrey)
# with Satterthwaite degrees of freedom and the HTZ Wald test (Pustejovsky & Tipton 2018), from R
# clubSandwich on models with the fixed effects written out as dummies.
#
# Run from this folder:  Rscript panel_clubsandwich.R
suppressMessages({ library(clubSandwich); library(jsonlite) })

g <- read.csv("../../../Datasets/grunfeld.csv")
gf <- lm(inv ~ capital + factor(firm) + factor(year), data = g)
gt <- coef_test(gf, vcov = "CR2", cluster = g$firm, test = "Satterthwaite", coefs = "capital")

m <- read.csv("../../../Datasets/mortality_rates.csv")
m <- subset(m, cause == "Motor Vehicle" & year <= 1983 & !is.na(beertaxa))
mf <- lm(mrate ~ legal + beertaxa + factor(state) + factor(year), data = m)
mt <- coef_test(mf, vcov = "CR2", cluster = m$state, test = "Satterthwaite", coefs = c("legal", "beertaxa"))
mw <- Wald_test(mf, constraints = constrain_zero(c("legal", "beertaxa")), vcov = "CR2", cluster = m$state, test = "HTZ")
# Weighted by population: clubSandwich's working model for a weighted lm is Phi = I with weight matrix W
# (inverse_var = FALSE). Its coef_test values are references; its Wald_test on this model is not (it
# returns NaN for one constraint, and for two a denominator df of 19.6, far above either coefficient's
# Satterthwaite df), so the HTZ values below are recorded for information only.
wf <- lm(mrate ~ legal + beertaxa + factor(state) + factor(year), data = m, weights = pop)
wt <- coef_test(wf, vcov = "CR2", cluster = m$state, test = "Satterthwaite", coefs = c("legal", "beertaxa"))
ww <- Wald_test(wf, constraints = constrain_zero(c("legal", "beertaxa")), vcov = "CR2", cluster = m$state, test = "HTZ")

out <- list(
  r = R.version.string, clubSandwich = as.character(packageVersion("clubSandwich")),
  grunfeld = list(estimate = unname(gt$beta), se = unname(gt$SE), df = unname(gt$df_Satt), p = unname(gt$p_Satt)),
  mortality = list(rows = nrow(m), estimate = unname(mt$beta), se = unname(mt$SE), df = unname(mt$df_Satt), p = unname(mt$p_Satt),
                   htzF = unname(mw$Fstat), htzDf1 = unname(mw$df_num), htzDf2 = unname(mw$df_denom), htzP = unname(mw$p_val)),
  mortalityWeighted = list(estimate = unname(wt$beta), se = unname(wt$SE), df = unname(wt$df_Satt), p = unname(wt$p_Satt),
                           htzF = unname(ww$Fstat), htzDf2 = unname(ww$df_denom))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "../../RegressionTests/Fixtures/panel_clubsandwich.json")

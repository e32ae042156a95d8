# Reference values for EconomicEvaluationTests, written to cost_effectiveness_r.json.
# R 4.2.2 (Debian 12), sandwich 3.0-2, clubSandwich 0.5.8. BCEA is not in Debian: its definitions
# (version 2.4: eib, ceac, mce, evi) are reproduced from its source in base R below.
# Run from the repository root: Rscript Tests/EconomicEvaluationTests/Fixtures/cost_effectiveness_r.R
suppressMessages({ library(sandwich); library(clubSandwich); library(jsonlite) })
out <- list(versions = list(R = R.version.string, sandwich = as.character(packageVersion("sandwich")),
                            clubSandwich = as.character(packageVersion("clubSandwich"))))

# --- PBS cluster trial (missingHE's PBS data): QALYs by AUC over waves at 0, 0.5, 1 years; cost = c2 + c3.
pbs <- read.csv("Datasets/pbs_trial.csv")
w <- reshape(pbs[, c("id", "time", "e", "c", "site", "trt")], idvar = c("id", "site", "trt"), timevar = "time", direction = "wide")
cc <- w[complete.cases(w[, c("e.1", "e.2", "e.3", "c.2", "c.3")]), ]
cc$q <- 0.5 * (cc$e.1 + cc$e.2) / 2 + 0.5 * (cc$e.2 + cc$e.3) / 2
cc$cost <- cc$c.2 + cc$c.3
cc$t <- as.numeric(cc$trt == 2)
G <- length(unique(cc$site))
fe <- lm(q ~ t + e.1, cc); fc <- lm(cost ~ t + e.1, cc)
VE <- vcovCL(fe, cluster = ~site, type = "HC1"); VC <- vcovCL(fc, cluster = ~site, type = "HC1")
# Cross-covariance of the two equations' coefficients: the same CR1 sandwich with both residuals.
X <- model.matrix(fe); B <- solve(crossprod(X))
uE <- rowsum(X * resid(fe), cc$site); uC <- rowsum(X * resid(fc), cc$site)
n <- nrow(X); k <- ncol(X)
CEC <- G / (G - 1) * (n - 1) / (n - k) * B %*% crossprod(uE, uC) %*% B
dE <- coef(fe)[["t"]]; dC <- coef(fc)[["t"]]; vE <- VE["t", "t"]; vC <- VC["t", "t"]; cEC <- CEC[2, 2]
q <- qt(0.975, G - 1)
a <- dE^2 - q^2 * vE; b <- dE * dC - q^2 * cEC; c0 <- dC^2 - q^2 * vC
fieller <- c((b - sqrt(b^2 - a * c0)) / a, (b + sqrt(b^2 - a * c0)) / a)
lambdas <- c(0, 10000, 20000, 30000, 50000)
inb <- lapply(lambdas, function(l) {
  cc$nb <- l * cc$q - cc$cost
  f <- lm(nb ~ t + e.1, cc); se <- sqrt(vcovCL(f, cluster = ~site, type = "HC1")["t", "t"])
  list(lambda = l, inb = coef(f)[["t"]], se = se, prob = pt(coef(f)[["t"]] / se, G - 1))
})
cc$nb <- 20000 * cc$q - cc$cost
f20 <- lm(nb ~ t + e.1, cc)
cr2 <- coef_test(f20, vcov = "CR2", cluster = cc$site, test = "Satterthwaite")
cr2E <- coef_test(fe, vcov = "CR2", cluster = cc$site, test = "Satterthwaite")
hc3 <- sqrt(vcovHC(f20, type = "HC3")["t", "t"])
out$pbs <- list(
  persons = nrow(cc), sites = G, personsAll = nrow(w),
  meanCost = tapply(cc$cost, cc$t, mean), meanQALY = tapply(cc$q, cc$t, mean), units = as.vector(table(cc$t)),
  unadjustedCost = coef(lm(cost ~ t, cc))[["t"]],
  dE = dE, dC = dC, seE = sqrt(vE), seC = sqrt(vC), covEC = cEC, icer = dC / dE, fieller = fieller,
  inb = inb,
  cr2 = list(inb = cr2$beta[2], se = cr2$SE[2], df = cr2$df_Satt[2], seEffect = cr2E$SE[2], dfEffect = cr2E$df_Satt[2]),
  hc3 = list(se = hc3))
# The same data with the waves stretched to 0, 1 and 2 years and 3.5% discounting of both: the segment
# from year 1 and the cost of wave 3 (covering year 1 to 2) are discounted once.
cc$q2 <- (cc$e.1 + cc$e.2) / 2 + (cc$e.2 + cc$e.3) / 2 / 1.035
cc$cost2 <- cc$c.2 + cc$c.3 / 1.035
out$pbsDiscounted <- list(
  dE = coef(lm(q2 ~ t + e.1, cc))[["t"]], dC = coef(lm(cost2 ~ t + e.1, cc))[["t"]],
  meanQALY = tapply(cc$q2, cc$t, mean), meanCost = tapply(cc$cost2, cc$t, mean))

# --- BCEA's Vaccine draws, with BCEA's definitions (Vaccination against Status Quo).
v <- read.csv("Datasets/vaccine_psa.csv")
e <- cbind(v$effect[v$strategy == "Status Quo"], v$effect[v$strategy == "Vaccination"])
cst <- cbind(v$cost[v$strategy == "Status Quo"], v$cost[v$strategy == "Vaccination"])
de <- e[, 2] - e[, 1]; dc <- cst[, 2] - cst[, 1]
ks <- c(0, 10000, 20000, 25000, 30000, 50000)
out$vaccine <- list(
  draws = nrow(e), deltaE = mean(de), deltaC = mean(dc), icer = mean(dc) / mean(de),
  quadrants = list(northEast = mean(de > 0 & dc > 0), southEast = mean(de > 0 & dc < 0), northWest = mean(de < 0 & dc > 0), southWest = mean(de < 0 & dc < 0)),
  byLambda = lapply(ks, function(k) {
    U <- k * e - cst
    list(lambda = k, eib = k * mean(de) - mean(dc), ceac = mean(k * de - dc > 0),
         mce = c(mean(U[, 1] >= U[, 2]), mean(U[, 2] > U[, 1])),
         evpi = mean(apply(U, 1, max)) - max(colMeans(U)), enb = colMeans(U))
  }))

# --- Davison & Hinkley's (1997, §3.8) shrinkage for the two-stage bootstrap, written from the book, applied
# within each arm of the PBS trial to the QALYs (clusters = sites), unequal sizes through the representative
# size b = n̄ − Σ(nᵢ − n̄)²/((a − 1)N); residuals inflated by 1/√(1 − 1/nᵢ).
shrink <- function(y, cl) {
  m <- tapply(y, cl, mean); n <- tapply(y, cl, length); a <- length(m)
  grand <- mean(m); ssb <- sum((m - grand)^2); ssw <- sum((y - m[as.character(cl)])^2)
  nbar <- sum(n) / a; b <- nbar - sum((n - nbar)^2) / ((a - 1) * sum(n))
  keep <- sqrt(max(0, a / (a - 1) - ssw / (b * (b - 1) * ssb)))
  ni <- n[as.character(cl)]
  res <- ifelse(ni > 1, (y - m[as.character(cl)]) / sqrt(1 - 1 / ni), 0)
  list(values = grand + keep * (m[as.character(cl)] - grand) + res, keep = keep)
}
s1 <- shrink(cc$q[cc$t == 0], cc$site[cc$t == 0]); s2 <- shrink(cc$q[cc$t == 1], cc$site[cc$t == 1])
vals <- numeric(nrow(cc)); vals[cc$t == 0] <- s1$values; vals[cc$t == 1] <- s2$values
out$shrinkage <- list(q = cc$q, site = cc$site, arm = cc$t, values = unname(vals), retained = c(s1$keep, s2$keep))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "Tests/EconomicEvaluationTests/Fixtures/cost_effectiveness_r.json")

# Reference values for Tests/MatchingTests/Fixtures/matching_r.json.
#
# Run from this folder:  Rscript matching_r.R > ../../MatchingTests/Fixtures/matching_r.json
# Uses R's glm (propensity scores), MatchIt (balance statistics via its internal bal1var, CEM,
# and nearest-neighbour matching in configurations without propensity-score ties), Matching
# (Abadie-Imbens) and sandwich (cluster-robust SEs). Versions are recorded in the output.
#
# Nearest-neighbour matching on a propensity score is NOT taken from MatchIt 4.5.1 as packaged by
# Debian: its sorted-list search (nn_matchC_vec) compares abs() of double differences, which on this
# build resolves to the integer abs(), so every |difference| < 1 counts as 0: the caliper is ignored
# and the left neighbour always wins (e.g. with caliper = 0.05, treated row 1 at ps 0.639 is matched
# to a control at ps 0.203). greedy() below implements the definition MatchIt documents (and used up
# to 4.5.0) -- "each treated unit, in order, takes the available control with the smallest distance,
# ties to the first in the data" -- which reproduces the published matched means (age 25.3027,
# re74 2342.1076); MatchIt's and sandwich's own functions then compute balance and effects on it.
# Mahalanobis matching (nn_matchC_mahcovs) does not use that code and is compared with MatchIt directly.
suppressMessages({ library(MatchIt); library(Matching); library(sandwich); library(jsonlite) })

d <- read.csv("../../../Datasets/lalonde_matchit.csv")
nsw <- read.delim("../../../Datasets/nsw_dehejia_wahba_445.tsv")
covs <- c("age", "educ", "black", "hispan", "married", "nodegree", "re74", "re75")
f <- treat ~ age + educ + black + hispan + married + nodegree + re74 + re75

logit <- glm(f, data = d, family = binomial("logit"))
probit <- glm(f, data = d, family = binomial("probit"))
ps <- fitted(logit)

balance <- function(w = NULL) {
  vars <- c(list(distance = ps), lapply(setNames(covs, covs), function(v) d[[v]]))
  lapply(vars, function(x) {
    b <- MatchIt:::bal1var(x, d$treat, ww = w, s.weights = rep(1, nrow(d)), standardize = TRUE, compute.pair.dist = FALSE)
    list(meanTreated = b[[1]], meanControl = b[[2]], smd = b[[3]], varianceRatio = if (is.na(b[[4]])) NULL else b[[4]],
         ecdfMean = b[[5]], ecdfMax = b[[6]])
  })
}

greedy <- function(score, caliper = Inf, ratio = 1, replace = FALSE, order = c("largest", "data"), exact = NULL) {
  order <- match.arg(order)
  tr <- which(d$treat == 1); co <- which(d$treat == 0)
  if (order == "largest") tr <- tr[order(-score[tr])]
  key <- if (is.null(exact)) rep("", nrow(d)) else do.call(paste, d[exact])
  avail <- rep(TRUE, length(co)); m <- list()
  for (r in seq_len(ratio)) for (i in tr) {
    dd <- abs(score[co] - score[i]); if (!replace) dd[!avail] <- Inf
    dd[key[co] != key[i]] <- Inf
    dd[co %in% m[[as.character(i)]]] <- Inf
    j <- which.min(dd); if (!is.finite(dd[j]) || dd[j] > caliper) next
    if (!replace) avail[j] <- FALSE
    m[[as.character(i)]] <- c(m[[as.character(i)]], co[j])
  }
  w <- rep(0, nrow(d)); sub <- rep(NA, nrow(d)); s <- 1
  for (i in which(d$treat == 1)) { cs <- m[[as.character(i)]]; if (is.null(cs)) next
    w[i] <- 1; for (c in cs) w[c] <- w[c] + 1 / length(cs)
    if (!replace) { sub[c(i, cs)] <- s; s <- s + 1 } }
  ctl <- d$treat == 0 & w > 0; w[ctl] <- w[ctl] * sum(ctl) / sum(w[ctl])
  list(weights = w, subclass = sub, matches = m)
}

nn <- greedy(ps)
md <- d[nn$weights > 0, ]; md$weights <- nn$weights[nn$weights > 0]; md$subclass <- nn$subclass[nn$weights > 0]
dim_fit <- lm(re78 ~ treat, data = md, weights = weights)
adj_fit <- lm(re78 ~ treat + age + educ + black + hispan + married + nodegree + re74 + re75, data = md, weights = weights)
eff <- function(fit) { V <- vcovCL(fit, cluster = ~subclass); list(estimate = unname(coef(fit)["treat"]), se = sqrt(V["treat", "treat"])) }

cal <- greedy(ps, caliper = 0.1 * sd(ps))
r2 <- greedy(ps, ratio = 2)
rep2 <- greedy(ps, ratio = 2, replace = TRUE)
exact <- greedy(ps, caliper = 0.1 * sd(ps), exact = c("married", "nodegree"))

# MatchIt's own Mahalanobis matching within a propensity-score caliper (compared directly).
mi_mah <- matchit(f, data = d, method = "nearest", distance = "glm", mahvars = ~ age + educ + re74 + re75, caliper = 0.25)
# Pure Mahalanobis 3:1 without replacement: 555 matches wanted from 429 controls, so MatchIt warns
# "Not all treated units will get 3 matches" and matches in rounds until the controls run out.
mi_mah3 <- suppressWarnings(matchit(treat ~ age + educ + re74 + re75, data = d, method = "nearest", distance = "mahalanobis", ratio = 3))
mi_out <- function(m) list(weights = unname(m$weights),
                           treatedRows = match(rownames(m$match.matrix), rownames(d)) - 1,
                           controlRows = lapply(seq_len(nrow(m$match.matrix)), function(i) { v <- m$match.matrix[i, ]; v <- v[!is.na(v)]; match(v, rownames(d)) - 1 }))

cem <- matchit(treat ~ age + educ + black + hispan + married + nodegree, data = d, method = "cem")

# IPW (WeightIt's definitions) from the logit PS.
w_ate <- ifelse(d$treat == 1, 1 / ps, 1 / (1 - ps))
w_att <- ifelse(d$treat == 1, 1, ps / (1 - ps))
ipw_fit <- lm(re78 ~ treat, data = d, weights = w_ate)

ai <- function(...) { m <- Match(Y = nsw$re78, Tr = nsw$t, ...); list(estimate = unname(m$est[1]), se = unname(m$se)) }

out <- list(
  versions = list(R = R.version.string, MatchIt = as.character(packageVersion("MatchIt")),
                  Matching = as.character(packageVersion("Matching")), sandwich = as.character(packageVersion("sandwich"))),
  logit = list(coefficients = as.list(coef(logit)), se = as.list(sqrt(diag(vcov(logit)))), deviance = deviance(logit)),
  probit = list(coefficients = as.list(coef(probit)), se = as.list(sqrt(diag(vcov(probit)))), deviance = deviance(probit)),
  balanceBefore = balance(NULL),
  nearest = list(weights = nn$weights, subclass = nn$subclass, balanceAfter = balance(nn$weights),
                 differenceInMeans = eff(dim_fit), regressionAdjustment = eff(adj_fit)),
  nearestCaliper = list(caliperSD = 0.1, weights = cal$weights, matchedTreated = sum(d$treat == 1 & cal$weights > 0)),
  nearestRatio2 = list(weights = r2$weights),
  nearestRatio2Replace = list(weights = rep2$weights),
  nearestExact = list(weights = exact$weights),
  matchitMahalanobis = mi_out(mi_mah),
  matchitMahalanobisRatio3 = mi_out(mi_mah3),
  cem = list(weights = unname(cem$weights), subclass = unname(as.integer(cem$subclass))),
  ipw = list(ate = list(weights = w_ate, balance = balance(w_ate)), att = list(weights = w_att, balance = balance(w_att)),
             effectATE = list(estimate = unname(coef(ipw_fit)["treat"]), se = sqrt(vcovHC(ipw_fit, type = "HC1")["treat", "treat"]))),
  abadieImbens = list(
    ate_sample = ai(X = nsw$age, estimand = "ATE", M = 1, sample = TRUE),
    ate_population = ai(X = nsw$age, estimand = "ATE", M = 1),
    ate_varcalc1 = ai(X = nsw$age, estimand = "ATE", M = 1, Var.calc = 1),
    ate_varcalc3_sample = ai(X = nsw$age, estimand = "ATE", M = 1, Var.calc = 3, sample = TRUE),
    ate_bias = ai(X = nsw$age, estimand = "ATE", M = 1, BiasAdjust = TRUE),
    att_m4 = ai(X = nsw$age, estimand = "ATT", M = 4),
    atc_bias = ai(X = nsw$age, estimand = "ATC", M = 2, BiasAdjust = TRUE),
    ate_multi = ai(X = cbind(nsw$age, nsw$educ, nsw$re74), estimand = "ATE", M = 1),
    att_multi_bias_vc2 = ai(X = cbind(nsw$age, nsw$educ, nsw$re74), estimand = "ATT", M = 2, BiasAdjust = TRUE, Var.calc = 2)
  )
)
cat(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null"))

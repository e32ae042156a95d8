"""Reference values for Tests/DistributionsTests/Fixtures/distributions_mpmath.csv.

Produced with mpmath at 60 significant digits (exact special functions), then
rounded to 17 significant digits. Run: python3 distributions_mpmath.py > ../../DistributionsTests/Fixtures/distributions_mpmath.csv
Columns: distribution, p1, p2, function, x, value
  function: cdf / ccdf at x, or quantile / cquantile at probability x.
"""
import mpmath as mp

mp.mp.dps = 60

def norm_cdf(x): return mp.ncdf(x)
def t_ccdf(x, v):
    x = mp.mpf(x); v = mp.mpf(v)
    # P(T > x) for x>0 = 0.5 * I_{v/(v+x^2)}(v/2, 1/2)
    if x >= 0:
        return mp.betainc(v/2, mp.mpf(1)/2, 0, v/(v+x*x), regularized=True) / 2
    return 1 - t_ccdf(-x, v)
def chi2_cdf(x, k): return mp.gammainc(mp.mpf(k)/2, 0, mp.mpf(x)/2, regularized=True)
def chi2_ccdf(x, k): return mp.gammainc(mp.mpf(k)/2, mp.mpf(x)/2, mp.inf, regularized=True)
def f_ccdf(x, d1, d2):
    x = mp.mpf(x); d1 = mp.mpf(d1); d2 = mp.mpf(d2)
    return mp.betainc(d2/2, d1/2, 0, d2/(d2+d1*x), regularized=True)
def f_cdf(x, d1, d2):
    x = mp.mpf(x); d1 = mp.mpf(d1); d2 = mp.mpf(d2)
    return mp.betainc(d1/2, d2/2, 0, d1*x/(d2+d1*x), regularized=True)

def invert(fn, target, lo, hi):
    # bisection in high precision on a decreasing fn
    target = mp.mpf(target)
    lo = mp.mpf(lo); hi = mp.mpf(hi)
    while fn(hi) > target: hi *= 2
    for _ in range(400):
        mid = (lo + hi) / 2
        if fn(mid) > target: lo = mid
        else: hi = mid
    return (lo + hi) / 2

rows = []
def out(d, p1, p2, f, x, v):
    rows.append(f"{d},{p1},{p2},{f},{mp.nstr(mp.mpf(x), 17)},{mp.nstr(v, 17, min_fixed=-1, max_fixed=-1)}")

for x in ["-38", "-20", "-8.5", "-5", "-1.96", "-0.3", "0", "0.7", "2.5", "6", "9", "37"]:
    out("normal", 0, 1, "cdf", x, norm_cdf(mp.mpf(x)))
    out("normal", 0, 1, "ccdf", x, 1 - norm_cdf(mp.mpf(x)) if mp.mpf(x) < 0 else norm_cdf(-mp.mpf(x)))
for p in ["1e-300", "1e-100", "1e-20", "1e-10", "0.001", "0.025", "0.3", "0.5", "0.8", "0.975", "0.999999"]:
    pm = mp.mpf(p)
    cq = invert(lambda z: mp.ncdf(-z), pm, -40, 40)
    out("normal", 0, 1, "quantile", p, -cq)
    out("normal", 0, 1, "cquantile", p, cq)

for v in ["1", "2", "3", "4.5", "10", "30", "100", "1000", "100000", "999980"]:
    for x in ["-50", "-3", "-0.5", "0.1", "1.5", "2.2", "4", "12", "40", "1000"]:
        out("t", v, 0, "ccdf", x, t_ccdf(x, v))
        out("t", v, 0, "cdf", x, 1 - t_ccdf(x, v) if mp.mpf(x) > 0 else t_ccdf(-mp.mpf(x), v))
    for q in ["1e-40", "1e-12", "1e-6", "0.001", "0.025", "0.2", "0.5", "0.9"]:
        qq = mp.mpf(q)
        if qq < mp.mpf("0.5"):
            val = invert(lambda t: t_ccdf(t, v), qq, 0, 10)
        elif qq == mp.mpf("0.5"):
            val = mp.mpf(0)
        else:
            val = -invert(lambda t: t_ccdf(t, v), 1 - qq, 0, 10)
        out("t", v, 0, "cquantile", q, val)

for k in ["1", "2", "3.5", "10", "50", "1000", "100000"]:
    for x in ["0.001", "0.5", "1", "3.84", "10", "60", "200", "1200", "101000"]:
        out("chisq", k, 0, "cdf", x, chi2_cdf(x, k))
        out("chisq", k, 0, "ccdf", x, chi2_ccdf(x, k))
    for q in ["1e-30", "1e-8", "0.001", "0.05", "0.5", "0.95", "0.999"]:
        qq = mp.mpf(q)
        out("chisq", k, 0, "cquantile", q, invert(lambda x: chi2_ccdf(x, k), qq, 0, 10))

for d1, d2 in [("1", "1"), ("1", "10"), ("3", "20"), ("5", "1000"), ("20", "7"), ("2", "5000")]:
    for x in ["0.01", "0.5", "1", "2.5", "4", "10", "100", "1e6"]:
        out("f", d1, d2, "cdf", x, f_cdf(x, d1, d2))
        out("f", d1, d2, "ccdf", x, f_ccdf(x, d1, d2))
    for q in ["1e-20", "1e-6", "0.01", "0.05", "0.5", "0.9"]:
        qq = mp.mpf(q)
        out("f", d1, d2, "cquantile", q, invert(lambda x: f_ccdf(x, d1, d2), qq, 0, 10))

print("distribution,p1,p2,function,x,value")
print("\n".join(rows))

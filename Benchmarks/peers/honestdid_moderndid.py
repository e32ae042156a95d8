"""Peer for the sensitivity benchmark: moderndid's HonestDiD port on the ehec event study (the fixture
impact-bench reads): relative-magnitudes sets at Mbar = 0.5..2 and smoothness FLCIs at M = 0..0.05.
One run after a warm-up of the FLCI only (the relative-magnitudes sets take tens of seconds); prints seconds last."""
import json, sys, time, warnings
import numpy as np
from moderndid.didhonest import sensitivity as hd

warnings.filterwarnings("ignore")
fixture = json.load(open(sys.argv[1]))
b, V = np.array(fixture["betahat"]), np.array(fixture["sigma"])
hd.create_sensitivity_results_sm(b, V, num_pre_periods=5, num_post_periods=2, m_vec=[0.0])
t0 = time.perf_counter()
hd.create_sensitivity_results_rm(b, V, num_pre_periods=5, num_post_periods=2, m_bar_vec=[0.5, 1, 1.5, 2])
hd.create_sensitivity_results_sm(b, V, num_pre_periods=5, num_post_periods=2, m_vec=[0, 0.01, 0.02, 0.03, 0.04, 0.05])
print(time.perf_counter() - t0)

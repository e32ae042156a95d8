"""Reference values for ImpactEval's data preparation (join, filter, derived columns) from pandas.

Run from the repository root:  python3 Tests/Fixtures/Generators/preparation_pandas.py
Writes Tests/TabularTests/Fixtures/preparation_pandas.json. pandas 2.x; the same steps as the test's
config, spelled in pandas:
  join areas by [area, year] (columns imd_score, funding_per_pupil_gbp, lead_org), m:1 (validate="m:1")
  filter year >= 2016 & phase == "secondary"
  derive post = year >= school_adoption   (NA when school_adoption is NA, as R)
         share = whole_school_share / 100
         log_pupils = log(pupils)
         lag_wb = wellbeing at year - 1 of the same school (by value, like Stata's L.)
         lead2_ref = referral_rate at year + 2
         band = pd.cut(imd_score, [0, 15, 25, 60], right=False, include_lowest=True)
         funded = ifelse(funding_per_pupil_gbp > 20 & lead_org == "nhs_trust", 1, 0)
         area_dose = group_mean(whole_school_share, area, year)   (groupby.transform, NaN skipped)
         area_pupils = group_sum(pupils, area)                    (sum with min_count = 1)
         area_schools = group_count(area, year)                   (transform("size"))
"""
import json
import numpy as np
import pandas as pd

areas = pd.read_csv("Datasets/mhst_simulated_areas.csv")
schools = pd.read_csv("Datasets/mhst_simulated_schools.csv")
joined = schools.merge(
    areas[["area", "year", "imd_score", "funding_per_pupil_gbp", "lead_org"]],
    on=["area", "year"], how="left", validate="m:1", indicator=True)
assert (joined["_merge"] == "both").all()
joined = joined.drop(columns="_merge")
rows_read = len(schools)
kept = joined[(joined.year >= 2016) & (joined.phase == "secondary")].copy()
post = np.where(kept.school_adoption.isna(), np.nan, (kept.year >= kept.school_adoption).astype(float))
kept["post"] = post
kept["share"] = kept.whole_school_share / 100
kept["log_pupils"] = np.log(kept.pupils)
prev = kept[["school", "year", "wellbeing"]].copy()
prev["year"] = prev.year + 1
kept = kept.merge(prev.rename(columns={"wellbeing": "lag_wb"}), on=["school", "year"], how="left")
nxt = kept[["school", "year", "referral_rate"]].copy()
nxt["year"] = nxt.year - 2
kept = kept.merge(nxt.rename(columns={"referral_rate": "lead2_ref"}), on=["school", "year"], how="left")
kept["band"] = pd.cut(kept.imd_score, [0, 15, 25, 60], right=False, include_lowest=True).astype(str)
kept.loc[kept.imd_score.isna() | (kept.imd_score < 0) | (kept.imd_score > 60), "band"] = None
kept["funded"] = np.where(
    kept.funding_per_pupil_gbp.isna(), np.nan,
    ((kept.funding_per_pupil_gbp > 20) & (kept.lead_org == "nhs_trust")).astype(float))

kept["area_dose"] = kept.groupby(["area", "year"]).whole_school_share.transform("mean")
kept["area_pupils"] = kept.groupby("area").pupils.transform(lambda v: v.sum(min_count=1))
kept["area_schools"] = kept.groupby(["area", "year"]).school.transform("size")

out = {"rows_read": rows_read, "rows_joined": len(joined), "rows_kept": len(kept), "columns": {}}
for c in ["post", "share", "log_pupils", "lag_wb", "lead2_ref", "funded", "area_dose", "area_pupils", "area_schools"]:
    v = kept[c].astype(float)
    out["columns"][c] = {"sum": float(v.sum()), "missing": int(v.isna().sum()), "first": [None if np.isnan(x) else float(x) for x in v.head(12)]}
# pandas labels intervals "[0.0, 15.0)"; ImpactEval prints breaks as R does ("[0, 15)") and, as R's
# cut(right = FALSE, include.lowest = TRUE), closes the last interval: "[25, 60]".
bands = kept["band"].value_counts(dropna=True)
out["bands"] = {k.replace(".0,", ",").replace(".0)", ")").replace(".0]", "]").replace("60)", "60]"): int(v) for k, v in bands.items()}
out["first_schools"] = kept.school.head(12).tolist()
out["first_years"] = kept.year.head(12).astype(int).tolist()
out["pandas"] = pd.__version__
with open("Tests/TabularTests/Fixtures/preparation_pandas.json", "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
print(json.dumps({k: out[k] for k in ["rows_read", "rows_kept", "bands"]}))

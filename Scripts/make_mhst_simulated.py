"""SIMULATED data shaped like the phase 2 evaluation of Mental Health Support Teams (MHSTs) in schools.

NOT REAL DATA. Every number is drawn from the model below, except the 25 Trailblazer areas' names,
regions and 2018 area indicators (deprivation, ethnicity, emotional disorder prevalence), which come from
Datasets/trailblazer_sites_2018.csv (Ellins et al. 2023, CC BY 4.0). Its purpose is to show and test the
methods on data of the evaluation's shape with effects that are known.

Design (academic years labelled by their first calendar year, 2015 = 2015/16, ..., 2024 = 2024/25):
- 150 local-authority areas: the 25 Trailblazers (MHSTs from 2019/20) and 125 others, of which 95 adopt in
  later waves (2020, 2021, 2022, 2023) and 30 never; later adopters are drawn with more deprivation, as
  programme roll-out favoured need.
- 20 to 30 schools per area (3,700 or so), primary or secondary; in an adopting area about 60% of schools
  are covered by a team from its adoption year, and a covered school's whole-school ("dose") share of team
  time is drawn between 3.5% and 57%.
- Programme variables per adopting area: funding per pupil, the share of the workforce who are Education
  Mental Health Practitioners, the lead organisation (NHS trust, local authority, voluntary sector), the
  population per team.
- Outcomes per school and year: a wellbeing score (mean of a WEMWBS-like scale, ~47), the referral rate to
  specialist CAMHS per 1,000 pupils (~25) and the absence rate (%); area rows are pupil-weighted school means.
  Each has school and year effects, a common factor with area loadings (so that synthetic controls have
  something to match), and noise; parallel trends hold given the unit effects.
- Known effects on a covered school in event year e = year − adoption (e >= 0):
    wellbeing  +0.8 (Trailblazer) or +0.5 (later waves), + 0.15 e, + 0.04 (dose − 20)
    referrals  −1.5 (Trailblazer) or −1.0 (later waves), − 0.03 (dose − 20)
    absence    −0.20
  Uncovered schools and non-adopting areas: no effect. `mhst_simulated_truth.json` gives these
  parameters and the realised averages (school-level ATT on covered school-years; area-level ATT on
  adopting area-years, which scale with coverage).

Run: python3 Scripts/make_mhst_simulated.py  (numpy >= 1.17; writes the three files into Datasets/).
"""

import csv
import json

import numpy as np

SEED = 20261130
YEARS = list(range(2015, 2025))
WAVES = [2020, 2021, 2022, 2023]
DATASETS = "Datasets"

EFFECTS = {
    "wellbeing": {"trailblazer": 0.8, "later": 0.5, "per_year": 0.15, "per_dose_point": 0.04},
    "referral_rate": {"trailblazer": -1.5, "later": -1.0, "per_year": 0.0, "per_dose_point": -0.03},
    "absence_pct": {"trailblazer": -0.20, "later": -0.20, "per_year": 0.0, "per_dose_point": 0.0},
}
DOSE_CENTRE = 20.0


def effect(outcome, trailblazer, e, dose):
    p = EFFECTS[outcome]
    return (p["trailblazer"] if trailblazer else p["later"]) + p["per_year"] * e + p["per_dose_point"] * (dose - DOSE_CENTRE)


def main():
    rng = np.random.default_rng(SEED)
    with open(f"{DATASETS}/trailblazer_sites_2018.csv", newline="") as f:
        sites = list(csv.DictReader(f))
    regions = ["London", "South East", "South West", "East of England", "East Midlands", "West Midlands",
               "North West", "North East", "Yorkshire and the Humber"]
    areas = []
    for s in sites:
        areas.append(dict(area=s["site"], region=s["region"], wave=2019, trailblazer=1,
                          imd_score=float(s["imd_score"]), bme_pct=float(s["bme_pct"]),
                          emotional_disorder_prev_pct=float(s["emotional_disorder_prev_5_16_pct"])))
    # 125 other areas: deprivation higher for earlier later waves; 30 never adopt.
    plan = [w for w in WAVES for _ in range(24)] + [2023] * 4 + [None] * 25
    plan = plan[:95] + [None] * 30
    for k, wave in enumerate(plan):
        shift = {2020: 4.0, 2021: 2.5, 2022: 1.0, 2023: 0.0, None: -2.0}[wave]
        areas.append(dict(area=f"Area {k + 1:03d}", region=regions[k % len(regions)], wave=wave, trailblazer=0,
                          imd_score=round(float(np.clip(rng.normal(20 + shift, 6), 5, 45)), 1),
                          bme_pct=round(float(np.clip(rng.lognormal(2.5, 0.7), 2, 70)), 1),
                          emotional_disorder_prev_pct=round(float(np.clip(rng.normal(3.4, 0.35), 2.5, 4.6)), 1)))
    factor = {y: float(v) for y, v in zip(YEARS, rng.normal(0, 1, len(YEARS)).cumsum() * 0.3)}
    schools, area_rows = [], []
    truth_cells = {o: {"school": [], "area": []} for o in EFFECTS}
    # Per adopting area and outcome: its effect in each post year, for the first-k-years averages.
    area_paths = {o: [] for o in EFFECTS}
    for a in areas:
        adopting = a["wave"] is not None
        a["lead_org"] = str(rng.choice(["nhs_trust", "local_authority", "voluntary_sector"], p=[0.6, 0.25, 0.15])) if adopting else ""
        a["funding_per_pupil_gbp"] = round(float(rng.uniform(18, 42)), 2) if adopting else ""
        a["emhp_share"] = round(float(rng.uniform(0.35, 0.75)), 3) if adopting else ""
        a["population_per_team"] = int(rng.integers(6000, 12000)) if adopting else ""
        loading = rng.normal(1, 0.4)
        n_schools = int(rng.integers(20, 31))
        members = []
        for s in range(n_schools):
            secondary = rng.uniform() < 0.2
            covered = adopting and rng.uniform() < 0.6
            members.append(dict(
                school=f"{a['area'][:3].upper().replace(' ', '')}-{len(schools) + s + 1:05d}", area=a["area"],
                phase="secondary" if secondary else "primary",
                pupils=int(rng.integers(700, 1600)) if secondary else int(rng.integers(120, 480)),
                fsm_pct=round(float(np.clip(rng.normal(12 + 0.6 * a["imd_score"], 6), 1, 70)), 1),
                covered=covered, dose=round(float(rng.uniform(3.5, 57)), 1) if covered else 0.0,
                level={"wellbeing": rng.normal(47 - 0.05 * a["imd_score"], 1.0),
                       "referral_rate": rng.normal(22 + 0.2 * a["imd_score"], 3.0),
                       "absence_pct": rng.normal(4.5 + 0.05 * a["imd_score"] + (1.5 if secondary else 0), 0.6)}))
        for y in YEARS:
            area_sum = {o: 0.0 for o in EFFECTS}
            pupils_total = 0
            for m in members:
                e = y - a["wave"] if adopting else -1
                treated = m["covered"] and e >= 0
                row = dict(school=m["school"], area=a["area"], year=y, phase=m["phase"], pupils=m["pupils"], fsm_pct=m["fsm_pct"],
                           adoption=a["wave"] if adopting else "", school_adoption=a["wave"] if m["covered"] else "", mhst=int(treated),
                           whole_school_share=m["dose"] if m["covered"] else "")
                trend = {"wellbeing": -0.10 * (y - 2015), "referral_rate": 0.6 * (y - 2015), "absence_pct": 0.05 * (y - 2015)}
                scale = {"wellbeing": 0.6, "referral_rate": 1.5, "absence_pct": 0.15}
                noise = {"wellbeing": 0.5, "referral_rate": 1.5, "absence_pct": 0.25}
                for o in EFFECTS:
                    tau = effect(o, a["trailblazer"], e, m["dose"]) if treated else 0.0
                    value = m["level"][o] + trend[o] + scale[o] * loading * factor[y] + rng.normal(0, noise[o]) + tau
                    row[o] = round(float(value), 3)
                    area_sum[o] += m["pupils"] * value
                    if treated:
                        truth_cells[o]["school"].append(tau)
                pupils_total += m["pupils"]
                schools.append(row)
            covered_pupils = sum(m["pupils"] for m in members if m["covered"]) if adopting else 0
            area_row = dict(area=a["area"], year=y, region=a["region"], adoption=a["wave"] if adopting else "",
                            trailblazer=a["trailblazer"], mhst=int(adopting and y >= a["wave"]), imd_score=a["imd_score"],
                            bme_pct=a["bme_pct"], emotional_disorder_prev_pct=a["emotional_disorder_prev_pct"], pupils=pupils_total,
                            schools=len(members), coverage_pct=round(100 * covered_pupils / pupils_total, 1),
                            funding_per_pupil_gbp=a["funding_per_pupil_gbp"], emhp_share=a["emhp_share"], lead_org=a["lead_org"],
                            population_per_team=a["population_per_team"])
            for o in EFFECTS:
                area_row[o] = round(area_sum[o] / pupils_total, 3)
                if adopting and y >= a["wave"]:
                    e = y - a["wave"]
                    truth_cells[o]["area"].append(
                        sum(m["pupils"] * effect(o, a["trailblazer"], e, m["dose"]) for m in members if m["covered"]) / pupils_total)
            area_rows.append(area_row)
        if adopting:
            for o in EFFECTS:
                area_paths[o].append([
                    sum(m["pupils"] * effect(o, a["trailblazer"], y - a["wave"], m["dose"]) for m in members if m["covered"]) / pupils_total
                    for y in YEARS if y >= a["wave"]])
    for name, rows in [("mhst_simulated_schools.csv", schools), ("mhst_simulated_areas.csv", area_rows)]:
        with open(f"{DATASETS}/{name}", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    truth = {
        "note": "SIMULATED data: the parameters of Scripts/make_mhst_simulated.py and the realised average effects",
        "seed": SEED, "dose_centre": DOSE_CENTRE, "effects": EFFECTS,
        "att": {o: {"covered_school_years": round(float(np.mean(c["school"])), 6),
                    "adopting_area_years": round(float(np.mean(c["area"])), 6)} for o, c in truth_cells.items()},
        # The mean over adopting areas of each area's mean effect in its first k post years (as multisynth
        # with leads = k averages), k = 1..4.
        "area_mean_of_first_years": {o: {str(k): round(float(np.mean([np.mean(p[:k]) for p in paths])), 6) for k in range(1, 5)}
                                     for o, paths in area_paths.items()},
        "areas": len(areas), "schools": len(schools) // len(YEARS), "years": YEARS,
    }
    with open(f"{DATASETS}/mhst_simulated_truth.json", "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()

"""Writes the Stata/SPSS/SAS fixtures that StatisticalFileReaderTests reads (pandas 3.1.1 writes the .dta;
pyreadstat 1.3.7 the .sav and .xpt). Five schools: a text identifier with leading zeros, a numeric outcome
with one missing value, an integer wave, a labelled region code and a text lead organisation with one empty.
Run from this folder: python3 statfiles.py"""
import numpy as np
import pandas as pd
import pyreadstat

frame = pd.DataFrame({
    "school": ["001", "002", "010", "011", "100"],
    "referrals": [3.5, np.nan, 7.25, 0.0, 12.0],
    "wave": [1, 1, 2, 3, 3],
    "region": [1, 2, 2, 1, 3],
    "lead": ["NHS trust", "", "local authority", "charity", "NHS trust"],
})
labels = {"region": {1: "North", 2: "Midlands", 3: "South"}}
frame.to_stata("schools.dta", write_index=False, value_labels=labels, version=118)
pyreadstat.write_sav(frame, "schools.sav", variable_value_labels=labels)
pyreadstat.write_xport(frame, "schools.xpt", table_name="SCHOOLS")

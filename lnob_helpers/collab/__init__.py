"""Data collaboratives: sharing an analysis's disaggregated figures with partners, and taking theirs in.

The unit of exchange is a *contribution package*, one zip file made by `lnob share FOLDER`
(`write_package`) and checked on import by `read_package`. It holds four files at its top level:

- `manifest.json`: who shares (partner name and contact), the kind of source (survey, census,
  administrative, civil_society, citizen_generated), method, coverage, period (first and last
  year), licence (an SPDX-like id such as CC-BY-4.0, or the terms in words), the country, the
  small-cell rule applied, a quality assessment (required for citizen-generated and
  administrative sources: sampling or coverage, method documented, validation, timeliness,
  ethics and consent, each a level and a sentence), the workbook version, the time it was
  made, and every other file's name, role, row count and SHA-256. Unknown keys are errors.
- `aggregates_heat_plus.csv`: the figures in WHO's HEAT Plus upload template, followed by the
  workbook's columns n (unweighted count), flag (ok, caution, no variation), share,
  dimension_id, group_id and factors. These are Step 1's published figures after disclosure
  control; a withheld cell is not in it, and no row describes a person.
- `aggregates_sdmx.csv`: the same figures as SDMX-CSV 2.0 of the dataflow LNOB:LNOB_DISAGG(1.0),
  coded along the SDG global database's dimensions (SERIES, REF_AREA, SEX, AGE, URBANISATION,
  INCOME_WEALTH_QUANTILE, DISABILITY_STATUS, `_T` for no breakdown) with the workbook's extra
  dimension LNOB_BREAKDOWN for the other circumstances, then TIME_PERIOD, OBS_VALUE and the
  attributes UNIT_MEASURE, LOWER_BOUND, UPPER_BOUND and OBS_FLAG (see `sdmx_csv`).
- `withheld_cells.csv`: the cells left out (year, indicator, dimension, subgroup, their ids and
  why), with no number, so partners know a group was measured but cannot be published.

Text cells of both CSVs are written formula-safe (see `lnob_helpers.exports`). A package is
accepted whole or refused whole, with one sentence per problem.

Import from the modules (`lnob_helpers.collab.package`, `.manifest`), so that `lnob --help`
does not load pandas and sdmx1.
"""

"""Step 4 (how to measure and monitor progress): inequality measures, MPI, trends, targets.

Import from the modules themselves, e.g. `from lnob_helpers.measure.heat import summary_measures`
or `from lnob_helpers.heat_format import read_heat_template`.
"""

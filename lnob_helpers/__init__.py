"""LNOB Workbook helpers: the logic behind the five step notebooks.

The notebooks stay thin; everything they compute lives here, where it is unit-tested.
"""

__version__ = "0.1.0"

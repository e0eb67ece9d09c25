"""Estimates of what nobody measured: training emissions and inference energy of any model."""

"""Great Expectations suites for the published training figures and the accelerator specs.

Units are in the column names (tCO2e, MWh, kg/kWh, W, billions of parameters, trillions of
tokens); the ranges are those `estimates.inputs` accepts, so a value the reader let through
still fails here if it was changed in the warehouse. Empty cells are allowed everywhere but in
the identity and `source` columns: a silent source stays silent.
"""

from energy_index.assumptions import assumption
from energy_index.defs.estimates.inputs import REFERENCE_NUMBERS, REFERENCE_TEXT, SPEC_NUMBERS
from energy_index.defs.quality.expectations import E

PEAK_FLOPS_RANGE = (1e12, 1e17)  # 1 TFLOP/s to 100 PFLOP/s per accelerator


def _ranges(numbers: dict) -> list:
    return [E.ExpectColumnValuesToBeBetween(column=column, min_value=low,
                                            max_value=assumption("max_plausible_kg_per_kwh") if high is None else high)
            for column, (low, high) in numbers.items()]


def reference(columns: list[str]) -> list:
    """Every row names its model and cites its source; every figure is in its unit's range."""
    return [
        *(E.ExpectColumnToExist(column=c) for c in [*REFERENCE_TEXT, *REFERENCE_NUMBERS]),
        E.ExpectColumnValuesToNotBeNull(column="model"),
        E.ExpectColumnValuesToBeUnique(column="model"),
        E.ExpectColumnValuesToNotBeNull(column="source"),
        E.ExpectColumnValueLengthsToBeBetween(column="source", min_value=10),
        E.ExpectTableRowCountToBeBetween(min_value=1, max_value=100_000),
        *_ranges(REFERENCE_NUMBERS),
    ]


def accelerator_specs(columns: list[str]) -> list:
    """One row per accelerator, with its source, a TDP in watts and a peak in FLOP/s."""
    return [
        *(E.ExpectColumnToExist(column=c) for c in ["gpu", "source", "accelerator_key", "peak_flops", *SPEC_NUMBERS]),
        E.ExpectColumnValuesToNotBeNull(column="gpu"),
        E.ExpectColumnValuesToBeUnique(column="gpu"),
        E.ExpectColumnValuesToNotBeNull(column="source"),
        E.ExpectColumnValuesToBeBetween(column="peak_flops", min_value=PEAK_FLOPS_RANGE[0],
                                        max_value=PEAK_FLOPS_RANGE[1]),
        *_ranges(SPEC_NUMBERS),
    ]

"""Great Expectations' expectation classes, imported on first use.

Importing GX takes seconds. The suite modules are imported when the code location loads,
but their expectations are only built when an asset runs, so `E.ExpectColumnToExist` and
the like resolve `great_expectations.expectations` only then.
"""


class _LazyExpectations:
    """Stands in for `great_expectations.expectations`; every attribute is looked up there."""

    def __getattr__(self, name: str):
        import great_expectations as gx

        return getattr(gx.expectations, name)


E = _LazyExpectations()

"""Great Expectations suites for the Anthropic Economic Index raw tables (upstream column names).

Each suite is built for the files of one release (`suite(files)` gives the expectations):
shares sum to 100 within each file. The long format's suite runs on a profile DuckDB computes
from the staged rows, not on the rows.

The shares in `automation_vs_augmentation.csv` are not required to sum to 100 here: the
2025-02-10 release sums to about 84.2%, a known property of the data that a separate,
non-blocking check reports instead of rejecting the load.
"""

from collections.abc import Callable

from energy_index.defs.quality.expectations import E

ONET_SOC_CODE = r"^\d{2}-\d{4}\.\d{2}$"
SOC_MAJOR = r"^\d{2}-0000$"
SOC_MINOR = r"^\d{2}-\d{2}00$"
SOC_BROAD = r"^\d{2}-\d{3}0$"
SOC_DETAILED = r"^\d{2}-\d{4}$"
SHARE_SUM_TOLERANCE = 0.01


def _required(*columns: str) -> list:
    return [E.ExpectColumnToExist(column=c) for c in columns] + \
           [E.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def _share(column: str = "pct") -> list:
    return [E.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=100)]


def _per_file(files: list[str], build: Callable[[dict], list]) -> list:
    """Expectations that hold within each file of a release (two task files in one release each
    sum to 100), as GX row conditions on `source_file`."""
    return [e for f in files for e in build({"row_condition": f'source_file=="{f}"', "condition_parser": "pandas"})]


def task_shares(files: list[str]) -> Callable[[list[str]], list]:
    return lambda _columns: [
        *_required("task_name", "pct"), *_share(),
        *_per_file(files, lambda where: [
            E.ExpectColumnValuesToBeUnique(column="task_name", **where),
            E.ExpectColumnSumToBeBetween(column="pct", min_value=100 - SHARE_SUM_TOLERANCE,
                                         max_value=100 + SHARE_SUM_TOLERANCE, **where)])]


def interaction_shares(files: list[str]) -> Callable[[list[str]], list]:
    return lambda _columns: [
        *_required("interaction_type", "pct"), *_share(),
        *_per_file(files, lambda where: [E.ExpectColumnValuesToBeUnique(column="interaction_type", **where)])]


COLLABORATION_MODES = ["directive", "feedback_loop", "validation", "task_iteration", "learning", "filtered"]


def collaboration_by_task(files: list[str]) -> Callable[[list[str]], list]:
    """Ratios of one task's conversations in each mode (the filtered rest included), each 0-1."""
    return lambda _columns: [
        *_required("task_name", *COLLABORATION_MODES),
        *[E.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=1) for c in COLLABORATION_MODES],
        *_per_file(files, lambda where: [E.ExpectColumnValuesToBeUnique(column="task_name", **where)])]


def _fixed(suite: Callable[[list[str]], list]) -> Callable[[list[str]], Callable[[list[str]], list]]:
    return lambda _files: suite


GEOGRAPHIES = ["global", "country", "state_us", "country-state"]
FACET = r"^[a-z_-]+(::[a-z_]+)*$"
VARIABLE = r"^[a-z0-9_]+$"
# Published shares are rounded: a facet's global shares sum to 100 within this.
LONG_SHARE_SUM_TOLERANCE = 1.0


def long_format(_files: list[str]) -> Callable[[list[str]], list]:
    """On the profile of the staged rows (sql/raw/aei_long_format_profile.sql): known geographies,
    well-formed facet and variable names, no nulls, shares 0-100 summing to 100 globally, counts
    non-negative, periods that end after they start, and O*NET task shares present."""
    return lambda _columns: [
        E.ExpectColumnValuesToBeInSet(column="geography", value_set=GEOGRAPHIES),
        E.ExpectColumnValuesToMatchRegex(column="facet", regex=FACET),
        E.ExpectColumnValuesToMatchRegex(column="variable", regex=VARIABLE),
        *[E.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=0)
          for c in ("null_geo_ids", "null_cluster_names", "null_values", "null_dates")],
        E.ExpectColumnValuesToBeBetween(column="min_share", min_value=0, max_value=100),
        E.ExpectColumnValuesToBeBetween(column="max_share", min_value=0, max_value=100),
        E.ExpectColumnValuesToBeBetween(column="min_count", min_value=0),
        E.ExpectColumnValuesToBeBetween(column="min_period_days", min_value=0),
        *[E.ExpectColumnValuesToBeBetween(column=c, min_value=100 - LONG_SHARE_SUM_TOLERANCE,
                                          max_value=100 + LONG_SHARE_SUM_TOLERANCE)
          for c in ("min_global_share_sum", "max_global_share_sum")],
        E.ExpectColumnDistinctValuesToContainSet(column="variable", value_set=["onet_task_pct"])]


def _task_statements(_columns: list[str]) -> list:
    return [*_required("O*NET-SOC Code", "Title", "Task ID", "Task"),
            E.ExpectColumnToExist(column="Task Type"),
            E.ExpectColumnValuesToMatchRegex(column="O*NET-SOC Code", regex=ONET_SOC_CODE),
            E.ExpectColumnValuesToBeUnique(column="Task ID"),
            E.ExpectColumnValuesToBeInSet(column="Task Type", value_set=["Core", "Supplemental"])]


def _soc_structure(_columns: list[str]) -> list:
    return [*_required("SOC or O*NET-SOC 2019 Title"),
            E.ExpectColumnValuesToMatchRegex(column="Major Group", regex=SOC_MAJOR),
            E.ExpectColumnValuesToMatchRegex(column="Minor Group", regex=SOC_MINOR),
            E.ExpectColumnValuesToMatchRegex(column="Broad Occupation", regex=SOC_BROAD),
            E.ExpectColumnValuesToMatchRegex(column="Detailed Occupation", regex=SOC_DETAILED),
            E.ExpectColumnValuesToMatchRegex(column="Detailed O*NET-SOC", regex=ONET_SOC_CODE)]


def _bls_employment(_columns: list[str]) -> list:
    return [*_required("SOC or O*NET-SOC 2019 Title", "bls_distribution"),
            E.ExpectColumnValuesToBeUnique(column="SOC or O*NET-SOC 2019 Title"),
            E.ExpectColumnValuesToBeBetween(column="bls_distribution", min_value=0, strict_min=True)]


def _wage_data(_columns: list[str]) -> list:
    return [*_required("SOCcode", "JobName", "MedianSalary"),
            E.ExpectColumnValuesToMatchRegex(column="SOCcode", regex=ONET_SOC_CODE),
            E.ExpectColumnValuesToBeUnique(column="SOCcode"),
            E.ExpectColumnValuesToBeBetween(column="MedianSalary", min_value=0, strict_min=True)]


task_statements, soc_structure = _fixed(_task_statements), _fixed(_soc_structure)
bls_employment, wage_data = _fixed(_bls_employment), _fixed(_wage_data)

"""Great Expectations suites for the Anthropic Economic Index raw tables (upstream column names).

The shares in `automation_vs_augmentation.csv` are not required to sum to 100 here: the
2025-02-10 release sums to about 84.2%, a known property of the data that a separate,
non-blocking check reports instead of rejecting the load.
"""

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


def task_mappings(_columns: list[str]) -> list:
    return [*_required("task_name", "pct"), *_share(),
            E.ExpectColumnValuesToBeUnique(column="task_name"),
            E.ExpectColumnSumToBeBetween(column="pct", min_value=100 - SHARE_SUM_TOLERANCE,
                                         max_value=100 + SHARE_SUM_TOLERANCE)]


def automation_vs_augmentation(_columns: list[str]) -> list:
    return [*_required("interaction_type", "pct"), *_share(),
            E.ExpectColumnValuesToBeUnique(column="interaction_type")]


def task_statements(_columns: list[str]) -> list:
    return [*_required("O*NET-SOC Code", "Title", "Task ID", "Task"),
            E.ExpectColumnToExist(column="Task Type"),
            E.ExpectColumnValuesToMatchRegex(column="O*NET-SOC Code", regex=ONET_SOC_CODE),
            E.ExpectColumnValuesToBeUnique(column="Task ID"),
            E.ExpectColumnValuesToBeInSet(column="Task Type", value_set=["Core", "Supplemental"])]


def soc_structure(_columns: list[str]) -> list:
    return [*_required("SOC or O*NET-SOC 2019 Title"),
            E.ExpectColumnValuesToMatchRegex(column="Major Group", regex=SOC_MAJOR),
            E.ExpectColumnValuesToMatchRegex(column="Minor Group", regex=SOC_MINOR),
            E.ExpectColumnValuesToMatchRegex(column="Broad Occupation", regex=SOC_BROAD),
            E.ExpectColumnValuesToMatchRegex(column="Detailed Occupation", regex=SOC_DETAILED),
            E.ExpectColumnValuesToMatchRegex(column="Detailed O*NET-SOC", regex=ONET_SOC_CODE)]


def bls_employment(_columns: list[str]) -> list:
    return [*_required("SOC or O*NET-SOC 2019 Title", "bls_distribution"),
            E.ExpectColumnValuesToBeUnique(column="SOC or O*NET-SOC 2019 Title"),
            E.ExpectColumnValuesToBeBetween(column="bls_distribution", min_value=0, strict_min=True)]


def wage_data(_columns: list[str]) -> list:
    return [*_required("SOCcode", "JobName", "MedianSalary"),
            E.ExpectColumnValuesToMatchRegex(column="SOCcode", regex=ONET_SOC_CODE),
            E.ExpectColumnValuesToBeUnique(column="SOCcode"),
            E.ExpectColumnValuesToBeBetween(column="MedianSalary", min_value=0, strict_min=True)]

"""Study statistics (DESIGN section 2, "Statistics"), built on scipy.stats and statsmodels.

* :mod:`.repeated` - per parameter, one-way repeated-measures ANOVA over the
  pre-lesional, lesional and post-lesional classes, and post-hoc two-tailed
  paired t-tests with the 95 % CI of the mean difference.
* :mod:`.groups` - the Table-1-like group comparison: median [IQR] with
  Mann-Whitney U; n (%) with chi-square (no continuity correction) or Fisher's
  exact test when an expected count is below 5.
* :mod:`.proportions` - Wilson 95 % intervals, cross-tabulations of ratings.
* :mod:`.ratings` - a rater's ratings read from the annotations, cross-tabulated.
* :mod:`.regression` - linear regression (statsmodels OLS, formula API) of an
  outcome on each predictor, univariable and adjusted, categorical predictors
  as ``C()`` contrasts (the second reference study's associations).
* :mod:`.variables` - table columns as model variables (numeric or categorical).
* :mod:`.tables` - TSV in and joined by participant, CSV/XLSX out (atomic),
  aligned terminal text.

Tables are plain ``(columns, rows)`` pairs of a list of names and a list of
dicts. pandas is used only to hand statsmodels the DataFrames its ``AnovaRM``
and formula API require (pandas is a dependency of statsmodels itself).
"""

from typing import TYPE_CHECKING

from processing._lazy import lazy_exports

if TYPE_CHECKING:
    from processing.stats.groups import categorical_test, continuous_test, group_table, median_iqr
    from processing.stats.proportions import (
        CrossTab,
        cross_tabulate,
        format_proportion,
        wilson_interval,
    )
    from processing.stats.regression import REGRESSION_COLUMNS, regression_table
    from processing.stats.repeated import (
        STATS_COLUMNS,
        class_values,
        paired_ttest,
        rm_anova,
        timecourse_statistics,
    )
    from processing.stats.tables import format_text_table, join_on, read_tsv, to_csv, write_table

# public names, imported on first use (importing a submodule stays light)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "categorical_test": "groups",
        "continuous_test": "groups",
        "group_table": "groups",
        "median_iqr": "groups",
        "CrossTab": "proportions",
        "cross_tabulate": "proportions",
        "format_proportion": "proportions",
        "wilson_interval": "proportions",
        "STATS_COLUMNS": "repeated",
        "class_values": "repeated",
        "paired_ttest": "repeated",
        "rm_anova": "repeated",
        "timecourse_statistics": "repeated",
        "REGRESSION_COLUMNS": "regression",
        "regression_table": "regression",
        "format_text_table": "tables",
        "join_on": "tables",
        "read_tsv": "tables",
        "to_csv": "tables",
        "write_table": "tables",
    },
)

__all__ = [
    "group_table",
    "continuous_test",
    "categorical_test",
    "median_iqr",
    "wilson_interval",
    "format_proportion",
    "cross_tabulate",
    "CrossTab",
    "rm_anova",
    "paired_ttest",
    "class_values",
    "timecourse_statistics",
    "STATS_COLUMNS",
    "REGRESSION_COLUMNS",
    "regression_table",
    "read_tsv",
    "join_on",
    "write_table",
    "to_csv",
    "format_text_table",
]

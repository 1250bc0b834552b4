"""Study statistics (DESIGN section 2, "Statistics"), built on scipy.stats and statsmodels.

* :mod:`.repeated` - per parameter, one-way repeated-measures ANOVA over the
  pre-lesional, lesional and post-lesional classes, and post-hoc two-tailed
  paired t-tests with the 95 % CI of the mean difference.
* :mod:`.groups` - the Table-1-like group comparison: median [IQR] with
  Mann-Whitney U; n (%) with chi-square (no continuity correction) or Fisher's
  exact test when an expected count is below 5.
* :mod:`.proportions` - Wilson 95 % intervals, cross-tabulations of ratings.
* :mod:`.ratings` - a rater's ratings read from the annotations, cross-tabulated.
* :mod:`.tables` - TSV in, CSV/XLSX out (atomic), aligned terminal text.

Tables are plain ``(columns, rows)`` pairs of a list of names and a list of
dicts. pandas is used in one place only, to hand statsmodels' ``AnovaRM`` the
DataFrame it requires (pandas is a dependency of statsmodels itself).
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
    from processing.stats.repeated import (
        STATS_COLUMNS,
        class_values,
        paired_ttest,
        rm_anova,
        timecourse_statistics,
    )
    from processing.stats.tables import format_text_table, read_tsv, to_csv, write_table

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
        "format_text_table": "tables",
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
    "read_tsv",
    "write_table",
    "to_csv",
    "format_text_table",
]

"""Tables in and out: TSV reading and joining, CSV/XLSX writing (atomic), and terminal text.

A table is a list of column names and a list of row dicts; this keeps the
statistics free of pandas. Numbers are written as numbers (XLSX cells are
numeric; NaN and None become empty cells).
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from processing.errors import FerretError
from processing.fileio import atomic_path, write_text

TABLE_SUFFIXES = (".csv", ".xlsx")


def read_tsv(path: str | Path) -> list[dict[str, str]]:
    """Read a tab-separated table with a header row into a list of dicts.

    Raises
    ------
    FerretError
        When the file is missing, empty, not UTF-8, or a row has the wrong number of fields.
    """
    path = Path(path)
    if not path.is_file():
        raise FerretError("file not found.", path, "check the path of the table.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FerretError(
            f"not UTF-8 text ({exc.reason}).", path, "save the table as UTF-8 TSV."
        ) from exc
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise FerretError("the table is empty.", path, "the first line must name the columns.")
    header = [name.strip() for name in lines[0].split("\t")]
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(header):
            raise FerretError(
                f"line {number} has {len(fields)} fields but the header has {len(header)}.",
                path,
                "separate columns with single tabs, one per column.",
            )
        rows.append(dict(zip(header, (field.strip() for field in fields), strict=True)))
    return rows


def join_on(
    rows: list[dict[str, str]],
    extra: list[dict[str, str]],
    key: str = "participant_id",
    *,
    sources: tuple[str | Path, str | Path] = ("table", "extra table"),
) -> list[dict[str, str]]:
    """Add the columns of ``extra`` to ``rows`` by ``key`` (a left join).

    Rows without a match get ``n/a`` (missing) in the added columns.

    Raises
    ------
    FerretError
        When either table lacks ``key``, ``extra`` repeats a key, or both
        tables hold a column of the same name besides ``key``.
    """
    for table, source in zip((rows, extra), sources, strict=True):
        if not table or key not in table[0]:
            raise FerretError(f"no {key!r} column to join on.", source, f"add a {key} column.")
    repeated = sorted(k for k, n in Counter(row[key] for row in extra).items() if n > 1)
    if repeated:
        raise FerretError(
            f"{key} {', '.join(repeated)} appear(s) more than once.",
            sources[1],
            "keep one row each.",
        )
    added = [name for name in extra[0] if name != key]
    clash = [name for name in added if name in rows[0]]
    if clash:
        raise FerretError(
            f"column(s) {', '.join(clash)} are in both tables.",
            sources[1],
            "rename them in one of the tables.",
        )
    by_key = {row[key]: row for row in extra}
    missing = dict.fromkeys(added, "n/a")
    return [{**row, **{n: by_key.get(row[key], missing)[n] for n in added}} for row in rows]


def check_table_suffix(path: str | Path) -> Path:
    """Return ``path`` if it ends in .csv or .xlsx, else raise a FerretError."""
    path = Path(path)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise FerretError(
            f"cannot write a table as {path.suffix or 'a file without extension'!r}.",
            path,
            "name the output FILE.csv or FILE.xlsx.",
        )
    return path


def write_table(
    path: str | Path,
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    *,
    sheet: str = "table",
) -> Path:
    """Write a table atomically as CSV or XLSX, chosen by the file's suffix."""
    path = check_table_suffix(path)
    if path.suffix.lower() == ".csv":
        return write_text(path, to_csv(columns, rows))
    from openpyxl import Workbook

    book = Workbook()
    worksheet = book.active
    worksheet.title = sheet[:31]
    worksheet.append(list(columns))
    for row in rows:
        worksheet.append([_cell(row.get(name)) for name in columns])
    worksheet.freeze_panes = "A2"
    with atomic_path(path) as tmp:
        book.save(tmp)
    return path


def to_csv(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    """CSV text of a table (comma-separated, minimal quoting, empty cells for NaN/None)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            ["" if (value := _cell(row.get(name))) is None else value for name in columns]
        )
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar -> Python
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def format_value(value: Any) -> str:
    """Readable text of a cell: p values and statistics to 4 significant digits."""
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def format_text_table(
    columns: Sequence[str], rows: Sequence[Mapping[str, Any]], *, max_width: int = 48
) -> str:
    """Columns aligned with spaces, for the terminal; long cells are cut with an ellipsis."""
    cells = [[_clip(format_value(row.get(name)), max_width) for name in columns] for row in rows]
    widths = [max([len(name)] + [len(line[i]) for line in cells]) for i, name in enumerate(columns)]
    lines = [
        "  ".join(name.ljust(width) for name, width in zip(columns, widths, strict=True)).rstrip(),
        "  ".join("-" * width for width in widths),
    ]
    lines += [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in cells
    ]
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"

"""Rating schemas: the fields of a lesion type's rating form, as JSON data.

Built-in schemas live in ``resources/rating_schemas/<type>.json``; a study can
bring its own in ``<study>/code/ferret/rating_schemas/`` (same file names),
which replace the built-ins type by type. Every schema is validated on load and
a mistake raises a :class:`FerretError` naming the file and the field.

Format::

    {"lesion_type": "A-CMI", "title": "...", "version": 1,
     "option_sets": {"signal": [{"value": "hyper", "label": "hyperintense", "key": "h"}, ...]},
     "fields": [{"id": "dwi_onset", "label": "DWI at onset", "kind": "choice",
                 "options": "signal"},
                {"id": "exclusion_reason", "kind": "choice", "options": [...],
                 "when": {"excluded": "yes"}},
                {"id": "comment", "label": "Comment", "kind": "text"}]}

``kind`` is ``choice`` (options with one-character keys, unique within the
field) or ``text``. ``when`` shows a field only when other fields hold the
given values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from processing.errors import FerretError

LESION_TYPES = ("A-CMI", "C-CMI", "CMB", "lacune", "WMH", "other")
FIELD_KINDS = ("choice", "text")
STUDY_SCHEMA_DIR = Path("code") / "ferret" / "rating_schemas"


@dataclass(frozen=True)
class Option:
    """One choice of a field: stored ``value``, shown ``label``, keyboard ``key``."""

    value: str
    label: str
    key: str


@dataclass(frozen=True)
class FieldSpec:
    """One question of a rating form."""

    id: str
    label: str
    kind: str
    options: tuple[Option, ...] = ()
    when: dict = field(default_factory=dict)

    def option_for_key(self, key: str) -> Option | None:
        """Return the option chosen by pressing ``key`` (case-insensitive), or None."""
        for option in self.options:
            if option.key.lower() == key.lower():
                return option
        return None

    def is_shown(self, values: dict) -> bool:
        """Return True when every ``when`` condition holds in ``values``."""
        return all(values.get(name) == wanted for name, wanted in self.when.items())


@dataclass(frozen=True)
class RatingSchema:
    """The rating form of one lesion type, loaded from ``path``."""

    lesion_type: str
    title: str
    version: int
    fields: tuple[FieldSpec, ...]
    path: Path | None = None

    def field(self, field_id: str) -> FieldSpec:
        """Return the field called ``field_id`` (KeyError if absent)."""
        for spec in self.fields:
            if spec.id == field_id:
                return spec
        raise KeyError(field_id)

    @property
    def field_ids(self) -> list[str]:
        """Field IDs in form order."""
        return [spec.id for spec in self.fields]

    def visible_values(self, values: dict) -> dict:
        """Return the values of this form's fields that are shown, dropping hidden (stale) answers.

        A field is shown when its ``when`` conditions hold among the values
        kept, so hiding cascades: clearing ``excluded`` hides
        ``exclusion_reason``, which hides any field that depends on that reason.
        Values of fields this schema does not have are dropped too.
        """
        kept = {k: v for k, v in values.items() if k in self.field_ids}
        while True:
            hidden = [
                spec.id for spec in self.fields if spec.id in kept and not spec.is_shown(kept)
            ]
            if not hidden:
                return kept
            for field_id in hidden:
                del kept[field_id]


def builtin_schema_dir() -> Path:
    """``resources/rating_schemas``: the schemas shipped with Ferret."""
    from resources import resource_path

    return resource_path("rating_schemas")


def load_schema(path: str | Path) -> RatingSchema:
    """Read and validate one schema file; raise FerretError naming the file on any mistake."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise FerretError(
            f"cannot read this rating schema ({exc}).",
            path,
            "fix the JSON syntax (see resources/rating_schemas for examples).",
        ) from exc
    return _parse_schema(raw, path)


def load_schemas(study_root: str | Path | None = None) -> dict[str, RatingSchema]:
    """All schemas by lesion type: the built-ins, replaced by the study's own where present."""
    schemas = {
        s.lesion_type: s for s in map(load_schema, sorted(builtin_schema_dir().glob("*.json")))
    }
    if study_root is not None:
        for path in sorted((Path(study_root) / STUDY_SCHEMA_DIR).glob("*.json")):
            schema = load_schema(path)
            schemas[schema.lesion_type] = schema
    return schemas


def _parse_schema(raw: object, path: Path) -> RatingSchema:
    def fail(problem: str) -> FerretError:
        return FerretError(
            f"invalid rating schema: {problem}",
            path,
            "correct the schema file (format in processing/annotations/schema.py).",
        )

    if not isinstance(raw, dict):
        raise fail("the top level must be a JSON object.")
    lesion_type = raw.get("lesion_type")
    if lesion_type not in LESION_TYPES:
        raise fail(f"lesion_type {lesion_type!r} is not one of {', '.join(LESION_TYPES)}.")
    option_sets = raw.get("option_sets", {})
    if not isinstance(option_sets, dict):
        raise fail("option_sets must be an object of named option lists.")
    if not isinstance(raw.get("fields"), list) or not raw["fields"]:
        raise fail("fields must be a non-empty list.")
    fields = [_parse_field(item, option_sets, fail) for item in raw["fields"]]
    ids = [spec.id for spec in fields]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise fail(f"field id {duplicates[0]!r} appears more than once.")
    for spec in fields:
        unknown = [name for name in spec.when if name not in ids]
        if unknown:
            raise fail(f"field {spec.id!r} depends on unknown field {unknown[0]!r}.")
    return RatingSchema(
        lesion_type=lesion_type,
        title=str(raw.get("title", lesion_type)),
        version=_parse_version(raw.get("version", 1), fail),
        fields=tuple(fields),
        path=path,
    )


def _parse_version(version: object, fail) -> int:
    """Return the schema version: a whole number >= 1 (not text, not a fraction, not true/false)."""
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise fail(f"version must be a whole number of 1 or more, not {version!r}.")
    return version


def _parse_field(item: object, option_sets: dict, fail) -> FieldSpec:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        raise fail(f"every field needs a text id (got {item!r}).")
    field_id, kind = item["id"], item.get("kind", "choice")
    if kind not in FIELD_KINDS:
        raise fail(f"field {field_id!r} has kind {kind!r}; use one of {', '.join(FIELD_KINDS)}.")
    options = item.get("options", [])
    if isinstance(options, str):
        if options not in option_sets:
            raise fail(f"field {field_id!r} uses unknown option set {options!r}.")
        options = option_sets[options]
    parsed = tuple(_parse_option(o, field_id, fail) for o in options)
    if kind == "choice" and not parsed:
        raise fail(f"choice field {field_id!r} has no options.")
    keys = [o.key.lower() for o in parsed]
    if len(set(keys)) != len(keys):
        raise fail(f"field {field_id!r} gives the same key to two options.")
    values = [o.value for o in parsed]
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise fail(f"field {field_id!r} has the option value {repeated[0]!r} more than once.")
    when = item.get("when", {})
    if not isinstance(when, dict):
        raise fail(f"field {field_id!r}: 'when' must map field ids to values.")
    return FieldSpec(
        id=field_id,
        label=str(item.get("label", field_id)),
        kind=kind,
        options=parsed,
        when=dict(when),
    )


def _parse_option(raw: object, field_id: str, fail) -> Option:
    if not isinstance(raw, dict) or "value" not in raw:
        raise fail(f"an option of field {field_id!r} has no value.")
    key = str(raw.get("key", ""))
    if len(key) != 1:
        raise fail(f"option {raw['value']!r} of field {field_id!r} needs a one-character key.")
    return Option(value=str(raw["value"]), label=str(raw.get("label", raw["value"])), key=key)

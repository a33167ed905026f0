"""The KPI catalogue: loading ``content/kpi/metrics.yml`` and reading metrics and targets.

The file is checked whole before anything is written; every problem names the file, the
line and the field. Metrics are matched by code; a metric missing from the file stays (its
values refer to it). Targets of departments the file names are set; departments not in the
database are skipped and reported, so the shipped file loads into any organisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import Department
from lms.evaluation.models import DIRECTIONS, Metric, MetricTarget
from lms.i18n import _
from lms.kb.frontmatter import DocumentError
from lms.kb.sync import SyncError
from lms.yamlfile import LineDict, YamlProblem, read_yaml

METRICS_FILE = "kpi/metrics.yml"
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_UNIT = 20


@dataclass
class MetricData:
    code: str
    name_ru: str
    name_en: str
    unit: str
    direction: str
    targets: dict[str, float]


@dataclass
class CatalogueReport:
    created: int = 0
    updated: int = 0
    targets: int = 0
    unknown_departments: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What ``flask lms sync`` prints about the catalogue."""
        lines = [
            _(
                "KPI metrics: %(created)d created, %(updated)d updated; %(targets)d targets set.",
                created=self.created,
                updated=self.updated,
                targets=self.targets,
            )
        ]
        if self.unknown_departments:
            lines.append(
                _(
                    "KPI targets skipped for departments that do not exist: %(codes)s.",
                    codes=", ".join(self.unknown_departments),
                )
            )
        return lines


# Reading ----------------------------------------------------------------------------------


class _Checker:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[str] = []

    def fail(self, item: Any, key: str | None, problem: str) -> None:
        line = item.line_of(key) if isinstance(item, LineDict) and key else _line(item)
        self.problems.append(DocumentError(self.filename, line, key, problem).message)


def _line(item: Any) -> int:
    return item.line if isinstance(item, LineDict) else 1


def _text(check: _Checker, item: LineDict, key: str, *, limit: int = 200) -> str:
    value = item.get(key)
    if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value):
        check.fail(item, key, _("this field is required."))
        return ""
    if len(str(value)) > limit:
        check.fail(item, key, _("at most %(n)d characters.", n=limit))
    return str(value).strip()


def _names(check: _Checker, item: LineDict) -> tuple[str, str]:
    name = item.get("name")
    if not isinstance(name, LineDict) or not name.get("ru"):
        check.fail(item, "name", _("expected {ru: ..., en: ...}, with “ru” at least."))
        return "", ""
    ru = _text(check, name, "ru")
    return ru, _text(check, name, "en") if name.get("en") else ru


def _targets(check: _Checker, item: LineDict) -> dict[str, float]:
    raw = item.get("targets")
    if raw is None:
        return {}
    if not isinstance(raw, LineDict):
        check.fail(item, "targets", _("expected department codes with a target each."))
        return {}
    targets = {}
    for department, target in raw.items():
        if isinstance(target, bool) or not isinstance(target, int | float) or target <= 0:
            check.fail(raw, department, _("a target is a number greater than zero."))
        else:
            targets[department] = float(target)
    return targets


def _metric(check: _Checker, item: Any, seen: set[str]) -> MetricData | None:
    if not isinstance(item, LineDict):
        check.fail(item, None, _("each metric is a mapping with code, name, unit, direction."))
        return None
    code = _text(check, item, "code", limit=40)
    if code and not CODE.match(code):
        check.fail(item, "code", _("a code is lowercase Latin letters, digits, “-” or “_”."))
    elif code in seen:
        check.fail(item, "code", _("the code “%(code)s” appears twice.", code=code))
    seen.add(code)
    name_ru, name_en = _names(check, item)
    unit = str(item.get("unit") or "").strip()
    if len(unit) > MAX_UNIT:
        check.fail(item, "unit", _("at most %(n)d characters.", n=MAX_UNIT))
    direction = item.get("direction")
    if direction not in DIRECTIONS:
        check.fail(item, "direction", _("write “lower” or “higher” (which is better)."))
    targets = _targets(check, item)
    return MetricData(code, name_ru, name_en, unit, str(direction), targets)


def parse_metrics(data: Any, *, filename: str) -> list[MetricData]:
    """The metrics of a parsed ``metrics.yml``; raises ``SyncError`` listing every problem."""
    check = _Checker(filename)
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), list):
        check.fail(data, None, _("expected a “metrics:” list."))
        raise SyncError(check.problems)
    seen: set[str] = set()
    metrics = [_metric(check, item, seen) for item in data["metrics"]]
    if check.problems:
        raise SyncError(check.problems)
    return [m for m in metrics if m is not None]


# Writing ----------------------------------------------------------------------------------


def load_metrics(session: Session, data: Any, *, filename: str) -> CatalogueReport:
    """Create or update the metrics and their targets from a parsed ``metrics.yml``."""
    parsed = parse_metrics(data, filename=filename)
    report = CatalogueReport()
    existing = {m.code: m for m in session.scalars(select(Metric))}
    departments = {d.code: d for d in session.scalars(select(Department))}
    targets = {(t.metric_id, t.department_id): t for t in session.scalars(select(MetricTarget))}
    for position, item in enumerate(parsed):
        metric = existing.get(item.code)
        if metric is None:
            metric = Metric(code=item.code)
            session.add(metric)
            report.created += 1
        else:
            report.updated += 1
        metric.name_ru, metric.name_en, metric.unit = item.name_ru, item.name_en, item.unit
        metric.direction, metric.position = item.direction, position
        session.flush()
        for code, value in item.targets.items():
            department = departments.get(code)
            if department is None:
                if code not in report.unknown_departments:
                    report.unknown_departments.append(code)
                continue
            row = targets.get((metric.id, department.id))
            if row is None:
                row = MetricTarget(metric_id=metric.id, department_id=department.id)
                session.add(row)
            row.target = value
            report.targets += 1
    session.flush()
    return report


def load_metrics_dir(session: Session, content_dir: Path) -> CatalogueReport | None:
    """Load ``<content_dir>/kpi/metrics.yml`` when there is one (None when not)."""
    path = content_dir / METRICS_FILE
    if not path.is_file():
        return None
    try:
        data = read_yaml(path)
    except YamlProblem as error:
        raise SyncError(
            [DocumentError(METRICS_FILE, error.line, None, error.problem).message]
        ) from error
    return load_metrics(session, data, filename=METRICS_FILE)


# Reading the catalogue ----------------------------------------------------------------------


def all_metrics(session: Session) -> list[Metric]:
    return list(session.scalars(select(Metric).order_by(Metric.position, Metric.code)))


def targets_by_department(session: Session) -> dict[int, dict[int, float]]:
    """Department id -> {metric id: target}."""
    result: dict[int, dict[int, float]] = {}
    rows = session.execute(
        select(MetricTarget.department_id, MetricTarget.metric_id, MetricTarget.target)
    )
    for department_id, metric_id, target in rows:
        result.setdefault(department_id, {})[metric_id] = target
    return result

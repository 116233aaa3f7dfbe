"""A built report as plain data (JSON), for the cache files in the instance folder.

Never pickle: a pickle file that someone could swap in the instance folder runs code when
it is read. The report's dataclasses are turned into JSON types by their type hints, and
read back into the same classes by the same hints; renderings kept with a report (chart
PNGs, the Word file) travel beside it as base64."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import types
import typing
from functools import cache

from consult.analysis.public_views.report import PublicViews


def to_data(value):
    """``value`` (dataclasses, lists, tuples, sets, dicts, dates) as JSON types."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return [[to_data(k), to_data(v)] for k, v in value.items()]  # keys keep their type
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((to_data(v) for v in value), key=repr)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


@cache
def _hints(cls) -> dict:
    return typing.get_type_hints(cls)


def from_data(kind, data):
    """Read back what :func:`to_data` wrote, as ``kind`` (a type hint)."""
    if data is None:
        return None
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        real = [a for a in args if a is not type(None)]
        return from_data(real[0], data) if len(real) == 1 else data
    if dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        values = {f.name: from_data(hints[f.name], data[f.name])
                  for f in dataclasses.fields(kind) if f.name in data}
        return kind(**values)
    if origin is dict:
        key, val = args or (typing.Any, typing.Any)
        return {from_data(key, k): from_data(val, v) for k, v in data}
    if origin is list:
        return [from_data(args[0] if args else typing.Any, v) for v in data]
    if origin is set or kind is set:
        return {from_data(args[0] if args else typing.Any, v) for v in data}
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_data(args[0], v) for v in data)
        return tuple(from_data(a, v) for a, v in zip(args, data, strict=True))
    if kind is dt.datetime:
        return dt.datetime.fromisoformat(data)
    if kind is dt.date:
        return dt.date.fromisoformat(data)
    return data


def dump(report: PublicViews) -> dict:
    artifacts = {
        name: ({"b64": base64.b64encode(v).decode("ascii")} if isinstance(v, bytes)
               else {"text": v})
        for name, v in report.__dict__.get("_artifacts", {}).items()
        if isinstance(v, bytes | str)
    }
    return {"report": to_data(report), "artifacts": artifacts}


def load(data: dict) -> PublicViews:
    report = from_data(PublicViews, data["report"])
    report.__dict__["_artifacts"] = {
        name: base64.b64decode(v["b64"]) if "b64" in v else v["text"]
        for name, v in data.get("artifacts", {}).items()
    }
    return report

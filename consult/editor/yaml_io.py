"""Survey definitions as YAML, so a partnership can keep them in git.

``to_yaml`` writes a definition the way the hand-written files look: fields in the schema's
order, defaults left out, multi-line text as ``|`` blocks, dates as dates. ``from_yaml``
reads it back through the schema. The round trip is exact: ``to_yaml(from_yaml(text))`` is
``text`` for anything ``to_yaml`` wrote, and the definition (and its hash) is unchanged.
"""

from __future__ import annotations

import yaml

from surveys.schema import SurveyDefinition, parse_yaml


class _Dumper(yaml.SafeDumper):
    """SafeDumper with this module's representers, registered on the subclass so the
    global SafeDumper is left as PyYAML ships it."""


def _text(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def to_yaml(defn: SurveyDefinition) -> str:
    data = defn.model_dump(mode="python", exclude_none=True, exclude_defaults=True)
    # The fields every file states, even at their default value.
    data = {"id": defn.id, "version": defn.version, **data}
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )


def from_yaml(text: str, name: str = "uploaded file") -> SurveyDefinition:
    """Parse YAML text with the schema; raises DefinitionError naming what is wrong."""
    return parse_yaml(text, name)

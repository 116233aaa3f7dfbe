"""Survey definitions as data: YAML files validated by :mod:`surveys.schema`, the answer
rules in :mod:`surveys.answers`, and the partnership's priority taxonomies."""

from pathlib import Path

SURVEYS_DIR = Path(__file__).resolve().parent

"""The analyst's pages: one blueprint (``blueprint.bp``, named "analysis"), a module per
group of pages. Importing this package registers every page on the blueprint."""

from consult.analysis.web import check, public_views, responses, runs, themes  # noqa: F401
from consult.analysis.web.blueprint import ROLES, bp

__all__ = ["ROLES", "bp"]

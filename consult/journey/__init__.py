"""The respondent's journey through a survey: start, one page at a time, check answers,
submit once, confirmation. Shared by the residents' survey and pupils' sessions."""

from consult.journey.views import bp

__all__ = ["bp"]

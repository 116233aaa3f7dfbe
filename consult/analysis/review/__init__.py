"""The analyst's review: decisions, curation, quotes, splits and carry-over to re-runs."""

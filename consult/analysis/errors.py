"""The one error the analysis actions raise."""


class AnalysisError(ValueError):
    """A change the analyst asked for that cannot be made; the message says why."""

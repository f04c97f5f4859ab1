"""Import path kept for callers written against `ombuds.matching.exact_index`; the index lives
in the `ombuds.matching.exact` package."""

from ombuds.matching.exact import ExactIndex

__all__ = ["ExactIndex"]

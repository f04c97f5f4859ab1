"""The in-memory exact-hash index (md5, sha256 and other IndexKind.EXACT signal types)."""

from ombuds.matching.exact.index import BUILTIN_WIDTHS, ExactIndex

__all__ = ["BUILTIN_WIDTHS", "ExactIndex"]

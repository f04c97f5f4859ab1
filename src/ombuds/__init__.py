"""Ombuds: an accountable content-moderation engine for messaging platforms."""

__version__ = "0.1.0"

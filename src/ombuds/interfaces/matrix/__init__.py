"""Ombuds as a Synapse (Matrix homeserver) module: messages and uploads are decided by an
Ombuds service before Synapse accepts them. See `module.OmbudsSpamChecker`."""

from ombuds.interfaces.matrix.module import OmbudsSpamChecker

__all__ = ["OmbudsSpamChecker"]

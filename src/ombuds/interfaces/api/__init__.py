"""The HTTP service (`ombuds serve`): FastAPI, versioned under /v1. Needs `ombuds[api]`."""

from ombuds.interfaces.api.app import create_app

__all__ = ["create_app"]

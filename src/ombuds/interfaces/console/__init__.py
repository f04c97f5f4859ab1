"""The moderators' web console, served by `ombuds serve` under /console.

Server-rendered pages (Jinja2) with htmx for partial updates and a small script for keyboard
shortcuts; no JavaScript build step. `install(app, settings)` adds it to the API's app.
"""

from ombuds.interfaces.console.app import install

__all__ = ["install"]

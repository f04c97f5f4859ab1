"""Interfaces: the CLI, later the HTTP API, web console and integrations."""

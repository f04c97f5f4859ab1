"""Reusable conformance kits for Ombuds' extension points, for built-ins and plugins alike.

Each kit is a plain function that raises AssertionError with a message on the first failed
check, so it works under pytest or any other runner.
"""

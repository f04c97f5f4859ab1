"""Repositories: one small module per aggregate, each turning rows into domain objects."""

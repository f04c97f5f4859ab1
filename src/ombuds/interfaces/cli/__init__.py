"""The `ombuds` command line (Typer)."""

"""`ombuds demo`: a generated policy set and a stream of generated chat through the engine."""

from ombuds.interfaces.demo.run import run_demo

__all__ = ["run_demo"]

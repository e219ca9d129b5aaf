"""Launchboard: governance and launch readiness for LLM initiatives, kept as YAML in git."""

__version__ = "0.1.0"

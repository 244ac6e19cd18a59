"""Atoll: a static site generator for sites whose readers sign in."""

__version__ = "0.1.0"

"""The library version: one place, read by the package, its build and every cache key."""
__version__ = "0.1.0"

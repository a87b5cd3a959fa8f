"""The version of matdiff (one home: the package, --version and the build read it)."""
__version__ = "0.1.0"

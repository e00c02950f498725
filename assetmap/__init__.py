"""assetmap: a community asset directory and map for England's health and care system."""

__version__ = "0.1.0"

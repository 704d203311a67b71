"""stepdeck: a terminal cockpit for browser sessions."""

__version__ = "0.1.0"

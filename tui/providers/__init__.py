"""Providers: the Provider interface and the embedded engine behind it."""

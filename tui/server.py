"""FastAPI app: auth, errors, every dialect's routes and the native API (being built)."""

"""Records of what sessions did: the store-backed recording wrapper, exports, reports, replay.

UI-free. The app and `stepdeck serve` record through one `RecordingProvider`;
the CLI, the app and tests export, diff and replay from the store.
"""

"""Which Python an app deploys on, and the facts behind it: declarations, weaker hints, CPython releases,
the standard library, and the platform table (one dated row per platform)."""

"""Locks as deploycheck reads them: the lock model every check reads, one module (or package) per format,
and what compares two locks (diff) and says why they differ (explain)."""

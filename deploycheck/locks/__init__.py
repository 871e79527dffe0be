"""Locks as deploycheck reads them: the lock model every check reads (model: Lock, Pin; indexes: where packages
come from; markers: whether a line applies), the registry of formats (formats) with one package per format
(requirements/ today), and what compares two locks (diff, change) and says why they differ (explain)."""

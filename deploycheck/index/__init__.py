"""Package indexes: HTTP, the simple API (JSON and HTML), cached project pages, lazy wheel reads, target tags,
and the one lookup of every pin per run that the index-reading checks share."""

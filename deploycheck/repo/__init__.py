"""The repository under check, which is hostile input: one Repository object (its root, its boundary, safe
reads, bounded walks and listings, display paths, git's index) over safefs's rules for opening a file."""

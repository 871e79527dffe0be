"""The repository under check, which is hostile input: safe reads inside its boundary, bounded folder
listings, git's index."""

"""What the scan finds in a repository, once: its lockfiles and their sources, its apps and the names platforms read."""

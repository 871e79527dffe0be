"""Running as a GitHub Action: inputs and event, credentials, runner files, and the GitHub API (PyGithub)."""

"""requirements.txt and requirements.in as pip reads them: text, options, the file, the pip-compile / uv header."""

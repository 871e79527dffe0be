"""`python -m deploycheck`: the same command as the `deploycheck` console script."""

from deploycheck.console import run

if __name__ == "__main__":
    run()

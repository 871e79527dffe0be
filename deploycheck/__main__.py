"""`python -m deploycheck`: the same command as the `deploycheck` console script."""

import sys

from deploycheck.console import main

if __name__ == "__main__":
    sys.exit(main())

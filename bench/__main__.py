"""``python -m bench``: every benchmark of the migration plan, in one run."""

from __future__ import annotations

import sys

from bench.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

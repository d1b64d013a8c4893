import sys

from legacy.generate.cli import main

sys.exit(main())

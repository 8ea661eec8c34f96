"""``python -m secmodel``: the command line."""

import sys

from secmodel.cli import main

sys.exit(main())

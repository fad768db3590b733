"""`python -m service.cli` runs the `newsearch` command."""

import sys

from service.cli import main

sys.exit(main())

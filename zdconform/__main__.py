"""`python -m zdconform`: the `zdconform` command."""

import sys

from .cli import main

sys.exit(main())

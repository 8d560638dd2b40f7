"""`python -m bot` runs the `coachbot` command line."""

import sys

from bot.ops.cli import main

sys.exit(main())

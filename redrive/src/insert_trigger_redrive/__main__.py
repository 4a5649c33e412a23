"""python -m insert_trigger_redrive: the same as the console script."""

import sys

from insert_trigger_redrive.cli import main

sys.exit(main())

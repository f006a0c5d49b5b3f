"""`python -m ops.cli ...`: what the benchmarks and the scale-out tests start processes with."""

import sys

from ops.cli import main

sys.exit(main())

"""`python -m attnkit ...`, as torchrun needs: `torchrun --nproc_per_node 2 -m attnkit train CONFIG`."""

import sys

from .cli import main

sys.exit(main())

"""``python -m autograd_dnn``: the autograd-dnn command."""

import sys

from autograd_dnn.cli import main

sys.exit(main())

"""``python -m omf_der`` = the ``omf-der`` command."""

import sys

from .cli import main

sys.exit(main())

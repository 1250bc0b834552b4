"""``python -m app`` runs the ``ferret`` command line."""

import sys

from app.cli import main

sys.exit(main())

import sys

from scc_guard.cli import main

sys.exit(main())

"""`python -m ssot_ls.server [--tcp HOST:PORT] [--log-level LEVEL]`: the same as `ssot-ls server`."""

import sys

from ssot_ls.cli import main

raise SystemExit(main(["server", *sys.argv[1:]]))

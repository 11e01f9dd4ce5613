"""`python -m ssot_ls.server [--tcp HOST:PORT] [--log-level LEVEL]`."""

import argparse

from ssot_ls.server import add_arguments, serve

parser = argparse.ArgumentParser(prog="ssot-ls server", description="The ssot-ls language server.")
add_arguments(parser)
raise SystemExit(serve(parser.parse_args()))

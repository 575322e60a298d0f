"""Start the omf-der web app: ``python run.py [--host 127.0.0.1] [--port 5000]``."""

import sys

from omf_der.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))

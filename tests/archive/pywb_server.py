"""Run by the pywb venv's python (not ours): serve pywb on 127.0.0.1, port chosen by the OS.

Prints the port on stdout once listening, so the test needs no fixed port and no sleeps.
Usage: python pywb_server.py CONFIG_DIR (the directory holding config.yaml).
"""

from __future__ import annotations

import os
import sys

from gevent import monkey

monkey.patch_all()

from gevent.pywsgi import WSGIServer  # noqa: E402  # after monkey-patching, as gevent requires
from pywb.apps.frontendapp import FrontEndApp  # noqa: E402


def main() -> None:
    os.chdir(sys.argv[1])
    app = FrontEndApp(config_file="./config.yaml")
    server = WSGIServer(("127.0.0.1", 0), app, log=None)
    server.start()
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

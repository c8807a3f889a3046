"""The `mockbsc import` and `mockbsc proxy` commands: parsers and what they run.

Kept beside the proxy app rather than in `mockbsc/cli.py`, so the top-level command line only
registers them (as it registers `mockbsc contract`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mockbsc.config import VERSION

IMPORT_DESCRIPTION = """\
Read an organisation through the BSC API (GET calls only, after the token: SIMs page by
page, each SIM's quotas and status, products, orders) and write a fixtures file that
`mockbsc serve --fixtures FILE` serves with the same SIMs. No password or token is written;
the user gets --local-password. 429 answers are waited out (Retry-After); an interrupted run
resumes from FILE.partial when run again with the same arguments."""


def add_parsers(commands: Any) -> None:
    importer = commands.add_parser("import", help="import an organisation as fixtures",
                                   description=IMPORT_DESCRIPTION)
    importer.add_argument("--base-url", required=True,
                          help="the API as a client uses it, e.g. https://host/management-api")
    importer.add_argument("--user", required=True, help="API user")
    importer.add_argument("--password", required=True, help="its password (not written)")
    importer.add_argument("--out", required=True, type=Path, help="fixtures file to write")
    importer.add_argument("--limit", type=int, default=None, help="import at most N SIMs")
    importer.add_argument("--redact", action="store_true",
                          help="replace ICCIDs, IMSIs, MSISDNs, IMEIs, IPs and labels by "
                          "made-up ones of the same shape, consistently")
    importer.add_argument("--local-password", default=None,
                          help="password of the user in the fixtures (default "
                          "imported-password)")
    proxy = commands.add_parser("proxy", help="validating, recording proxy to a BSC server",
                                description="Forward every call under /management-api to "
                                "--upstream unchanged, check each exchange against the "
                                "contract (violations at GET /_mockbsc/violations and in the "
                                "log), and with --record DIR write each one as a VCR.py "
                                "cassette without secrets.")
    proxy.add_argument("--upstream", required=True,
                       help="the upstream server's root, e.g. https://host (a trailing "
                       "/management-api is accepted)")
    proxy.add_argument("--host", default="127.0.0.1", help="address to bind (default "
                       "127.0.0.1)")
    proxy.add_argument("--port", type=int, default=8080, help="TCP port (default 8080)")
    proxy.add_argument("--fd", type=int, default=None,
                       help="serve on this inherited, already listening socket")
    proxy.add_argument("--record", type=Path, default=None,
                       help="write each exchange as a cassette into this directory")


def main(args: argparse.Namespace) -> int:
    if args.command == "import":
        return import_command(args)
    return proxy_command(args)


def import_command(args: argparse.Namespace) -> int:
    from mockbsc.adapters.importer import (
        DEFAULT_LOCAL_PASSWORD,
        BscClientError,
        ImportOptions,
        run_import,
    )

    options = ImportOptions(args.base_url, args.user, args.password, args.out, args.limit,
                            args.redact, args.local_password or DEFAULT_LOCAL_PASSWORD)
    try:
        result = run_import(options)
    except (BscClientError, OSError) as exc:
        print(f"mockbsc import: {exc}", file=sys.stderr)
        return 1
    print(f"mockbsc import: {result.sims} SIMs of organisation {result.org_id} "
          f"({result.resumed} from an earlier run), {result.products} products, "
          f"{result.orders} orders -> {result.out} ({result.calls} calls, "
          f"{result.waited:.0f} s waited for rate limits)", file=sys.stderr)
    return 0


def proxy_command(args: argparse.Namespace) -> int:
    import logging
    import socket

    import uvicorn

    from mockbsc.api.listener import uvicorn_config
    from mockbsc.api.proxy import create_proxy_app
    from mockbsc.config import Settings

    logging.getLogger("mockbsc.proxy").setLevel(logging.INFO)
    app = create_proxy_app(args.upstream, args.record)
    sock = None if args.fd is None else socket.socket(fileno=args.fd)
    host, port = sock.getsockname()[:2] if sock else (args.host, args.port)
    print(f"mockbsc {VERSION} proxy at http://{host}:{port}/management-api -> "
          f"{args.upstream}", file=sys.stderr)
    # The same listener as `mockbsc serve`: header deadline, connection cap, JSON 400s.
    server = uvicorn.Server(uvicorn_config(app, Settings(), host=args.host, port=args.port,
                                           log_level="warning", lifespan="on"))
    server.run(sockets=[sock] if sock else None)
    return 0 if server.started else 3

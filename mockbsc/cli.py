"""`mockbsc serve`: the command line, every flag also a `MOCKBSC_*` environment variable."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Sequence

from mockbsc.api import mirror_cli
from mockbsc.config import VERSION, Settings, SettingsError
from mockbsc.contract.kit import cli as contract_cli

SERVE_FLAGS = {
    "host": "address to bind (default 127.0.0.1; 0.0.0.0 in Docker)",
    "port": "TCP port (default 8080)",
    "fixtures": "fixtures YAML with organisations, users, products and fleet mix",
    "sims": "number of SIMs of the default organisation",
    "seed": "fleet seed: the same seed gives the same fleet (default 1)",
    "token_ttl": "token lifetime in seconds (default 3600)",
    "clock": "system (real time, default) or manual (moves only by the control API)",
    "start": "start time of the clock, ISO 8601 (default: now, or 2026-01-05T09:00Z if manual)",
    "update_delay": "seconds until a queued SIM change applies (default 2)",
    "reset_delay": "seconds until a queued connectivity reset runs (default 120)",
    "order_step": "seconds between an order's status steps (default 300)",
    "bank_transfer_delay": "seconds until a bank-transfer top-up is credited (default 172800, "
                           "2 days; 0: at once)",
    "sms_delivery_delay": "seconds from attach to SMS delivery (default 3)",
    "sms_forward_url": "URL receiving the default organisation's MO SMS (POST) and delivery "
                       "reports (PATCH)",
    "webhook_first_retry": "seconds from a failed webhook attempt to the first retry "
                           "(default 300)",
    "webhook_backoff": "factor by which each later retry waits longer (default 2)",
    "webhook_max_interval": "longest wait between two retries in seconds (default 14400)",
    "webhook_window": "seconds after which an unacknowledged webhook is given up (default 86400)",
    "webhook_timeout": "total deadline of one webhook call in seconds (default 5)",
    "webhook_concurrency": "webhook calls in flight at once, at most (default 8)",
    "unknown_sim": "answer to an unknown ICCID on GET /v1/sims/{iccid}: 404 (default) or empty",
    "strict_requests": "true: take requests only exactly as the contract writes them (no "
                       "Jackson coercion of \"0\"/\"true\" strings or nulls, no trailing "
                       "slash); default false, as lenient as the platform",
    "max_body_bytes": "largest accepted request body (default 1048576)",
    "journal_bytes": "memory budget of the request journal in bytes; the oldest calls go "
                     "first (default 16777216)",
    "header_timeout": "seconds a client has to send a request's headers, from connecting or "
                      "from the previous answer (default 10)",
    "keep_alive_timeout": "seconds an idle keep-alive connection stays open (default 5)",
    "max_connections": "open connections at most; more are answered 503 (default 1000)",
    "allowed_hosts": "comma-separated Host names the server answers (patterns '*' and "
                     "'*.example'); default: loopback names when reached on loopback "
                     "(DNS rebinding protection), anything else otherwise",
    "rate_limits": "off (default) or platform: 100 requests per 5 min per client on orders "
                   "and products, 10 per second per organisation on /v1/sims (429)",
    "admin_token": "close the control API /_mockbsc/*: its calls need 'Bearer TOKEN'",
    "state_file": "SQLite file: restore the state at start, keep every change durable",
    "log_level": "uvicorn log level (default info)",
    "sandbox_ttl": "seconds an unused sandbox lives before it expires (default 3600; 0: never)",
    "max_sandboxes": "sandboxes one server holds at most; the next create answers 429 "
                     "(default 200)",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockbsc", description=__doc__)
    parser.add_argument("--version", action="version", version=f"mockbsc {VERSION}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the mock server",
                                description="Run the mock server. Each flag can also be set "
                                "as MOCKBSC_<FLAG> (e.g. MOCKBSC_PORT=9000).")
    for name, help_text in SERVE_FLAGS.items():
        serve.add_argument("--" + name.replace("_", "-"), dest=name, help=help_text)
    serve.add_argument("--user", dest="users", action="append", metavar="USER:PASSWORD[:ORG]",
                       help="add an API user (to organisation ORG, made if missing); repeatable")
    serve.add_argument("--fault", dest="faults", action="append", metavar="RULE",
                       help="inject a fault: JSON rule or '[METHOD] PATH|OPERATION key=value "
                       "...', e.g. 'GET /v1/sims/{iccid} status=503 times=2'; repeatable")
    serve.add_argument("--fd", type=int, default=None, metavar="FD",
                       help="serve on this inherited, already bound socket instead of binding "
                       "--host/--port (socket activation; how tests hand a port over "
                       "without a race)")
    contract_cli.add_parser(commands)
    mirror_cli.add_parsers(commands)  # import, proxy
    return parser


def settings_from(args: argparse.Namespace, environ: dict[str, str]) -> Settings:
    settings = Settings.from_env(environ)
    values: dict[str, str | None] = {name: getattr(args, name) for name in SERVE_FLAGS}
    if args.users:
        values["users"] = ",".join([*settings.users, *args.users])
    if args.faults:
        values["faults"] = _fault_rules(settings.faults, args.faults)
    return settings.with_text(values)


def _fault_rules(configured: str | None, flags: Sequence[str]) -> str:
    """MOCKBSC_FAULTS plus every --fault, as one JSON array of rules."""
    import json

    from mockbsc.domain.errors import DomainError
    from mockbsc.domain.faults.rules import parse_specs

    rules = []
    try:
        for text in (configured or "", *flags):
            rules += parse_specs(text)
    except DomainError as exc:
        raise SettingsError(exc.message) from None
    return json.dumps(rules)


def serve(settings: Settings, fd: int | None = None) -> int:
    import socket

    import uvicorn

    from mockbsc.adapters.fixtures_file import FixtureError
    from mockbsc.api.app import build_emulator, create_app
    from mockbsc.api.listener import uvicorn_config

    try:
        app = create_app(build_emulator(settings))
    except (FixtureError, SettingsError) as exc:
        print(f"mockbsc: {exc}", file=sys.stderr)
        return 2
    # The seeded fleet lives as long as the server: keep it out of the cyclic GC's full
    # passes, each of which would otherwise stall every request (~120 ms at 100,000 SIMs).
    gc.freeze()
    sock = None if fd is None else socket.socket(fileno=fd)
    host, port = sock.getsockname()[:2] if sock else (settings.host, settings.port)
    print(f"mockbsc {VERSION} serving the BSC API at http://{host}:{port}/management-api "
          f"(API explorer: http://{host}:{port}/)", file=sys.stderr)
    server = uvicorn.Server(uvicorn_config(app, settings, host=settings.host, port=settings.port,
                                           log_level=settings.log_level, lifespan="on"))
    server.run(sockets=[sock] if sock else None)
    return 0 if server.started else 3  # 3: uvicorn's own status for a failed start-up


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []  # for `contract`: schemathesis's
    argv = argv[: argv.index("--")] if "--" in argv else argv
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.command == "contract":
        return contract_cli.main(args, extra)
    if args.command in ("import", "proxy"):
        return mirror_cli.main(args)
    try:
        settings = settings_from(args, dict(os.environ))
    except SettingsError as exc:
        print(f"mockbsc: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        return serve(settings, args.fd)
    return 2  # pragma: no cover - argparse rejects unknown commands

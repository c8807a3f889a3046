"""The `mockbsc` command line, on click: every `serve` flag is also a `MOCKBSC_*` variable.

click reads the variables itself (`--help` shows each one); `SERVE_FLAGS` is the one table of
`serve`'s valued flags. `contract`, `import` and `proxy` keep their own argparse parsers
(`mockbsc.contract.kit.cli`, `mockbsc.api.mirror_cli`): click hands them their arguments.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click

from mockbsc.config import VERSION, Settings, SettingsError

if TYPE_CHECKING:  # `serve` does not need argparse (only the argparse-era callers do)
    import argparse

SERVE_FLAGS = {
    "host": "address to bind (default 127.0.0.1; 0.0.0.0 in Docker)",
    "port": "TCP port (default 8080)",
    "fixtures": "fixtures YAML with organisations, users, products and fleet mix "
                "(`mockbsc fixtures schema` has its format)",
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
"""`serve`'s flags that take a value: `--NAME-WITH-DASHES` and `MOCKBSC_NAME`, given to
`Settings.with_text` as text (so a bad value gets the same message from a flag or a variable).
"""
SWITCHES = {
    "access_log": "log one line per BSC call: method, path, operationId, status, duration, "
                  "and why a call was refused or which fault fired",
}
"""`serve`'s on/off flags (`MOCKBSC_ACCESS_LOG=1`)."""
PASSTHROUGH = {"context_settings": {"ignore_unknown_options": True, "allow_extra_args": True,
                                    "help_option_names": []}, "add_help_option": False}


def envvar(name: str) -> str:
    return f"MOCKBSC_{name.upper()}"


def _serve_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for name, help_text in reversed(SERVE_FLAGS.items()):
        command = click.option("--" + name.replace("_", "-"), name, envvar=envvar(name),
                               show_envvar=True, metavar=name.upper(),
                               help=help_text)(command)
    for name, help_text in SWITCHES.items():
        command = click.option("--" + name.replace("_", "-"), name, is_flag=True,
                               default=None, envvar=envvar(name), show_envvar=True,
                               help=help_text)(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(VERSION, prog_name="mockbsc", message="%(prog)s %(version)s")
def cli() -> None:
    """mockbsc: a stateful mock of the Telekom Business Smart Connect (1NCE) API."""


@cli.command("serve")
@_serve_options
@click.option("--user", "users", multiple=True, metavar="USER:PASSWORD[:ORG]",
              help="add an API user (to organisation ORG, made if missing); repeatable; "
              "adds to MOCKBSC_USER (comma-separated)")
@click.option("--fault", "faults", multiple=True, metavar="RULE",
              help="inject a fault: JSON rule or '[METHOD] PATH|OPERATION key=value ...', "
              "e.g. 'GET /v1/sims/{iccid} status=503 times=2'; repeatable; adds to "
              "MOCKBSC_FAULTS")
@click.option("--fd", type=int, default=None, metavar="FD",
              help="serve on this inherited, already bound socket instead of binding "
              "--host/--port (socket activation; how tests hand a port over without a race)")
def serve_command(fd: int | None, **values: Any) -> int:
    """Run the mock server. Each flag can also be set as the environment variable shown."""
    try:
        settings = settings_from(values, os.environ)
    except SettingsError as exc:
        print(f"mockbsc: {exc}", file=sys.stderr)
        return 2
    return serve(settings, fd)


def settings_from(values: Mapping[str, Any] | argparse.Namespace,
                  environ: Mapping[str, str]) -> Settings:
    """Settings of `serve`'s parsed options over `environ`'s `MOCKBSC_*` variables: the
    settings only a variable sets (MOCKBSC_TOKEN_REUSE, ...), MOCKBSC_USER and MOCKBSC_FAULTS
    (which --user and --fault add to), and an empty variable, which click takes for an unset
    one (`MOCKBSC_ADMIN_TOKEN=` must still be refused: it would leave the control API open).
    """
    if not isinstance(values, Mapping):  # an argparse.Namespace
        values = vars(values)
    settings = Settings.from_env(environ)
    text: dict[str, str | None] = {n: values.get(n) for n in SERVE_FLAGS}
    for name in SWITCHES:
        if values.get(name) is not None:
            text[name] = "true" if values[name] else "false"
    if values.get("users"):
        text["users"] = ",".join([*settings.users, *values["users"]])
    if values.get("faults"):
        text["faults"] = _fault_rules(settings.faults, values["faults"])
    return settings.with_text(text)


def build_parser() -> _ServeParser:
    """`build_parser().parse_args(["serve", ...])`: `serve`'s options as a namespace for
    `settings_from` (the argparse-era spelling, kept for callers of it)."""
    return _ServeParser()


class _ServeParser:
    def parse_args(self, argv: Sequence[str]) -> argparse.Namespace:
        if not argv or argv[0] != "serve":
            raise click.UsageError("only `serve` options can be parsed here")
        with serve_command.make_context("serve", list(argv[1:])) as ctx:
            import argparse

            return argparse.Namespace(**ctx.params)


def serve_settings(argv: Sequence[str]) -> Settings:
    """The settings `mockbsc serve ARGV` would run with, in this environment.

    Raises:
        SettingsError: a flag or variable has a bad value (the message names it).
        click.UsageError: an unknown flag.
    """
    with serve_command.make_context("serve", list(argv)) as ctx:
        return settings_from(ctx.params, os.environ)


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
    from mockbsc.api.collector import IdleCollector
    from mockbsc.api.listener import uvicorn_config

    try:
        app = create_app(build_emulator(settings))
    except (FixtureError, SettingsError) as exc:
        print(f"mockbsc: {exc}", file=sys.stderr)
        return 2
    if settings.access_log:
        access = logging.getLogger("mockbsc.access")
        access.setLevel(logging.INFO)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s mockbsc.access %(message)s"))
        access.addHandler(handler)
        access.propagate = False
    # The seeded fleet lives as long as the server: keep it out of the cyclic GC's full
    # passes, each of which would otherwise stall every request (~120 ms at 100,000 SIMs).
    gc.freeze()
    sock = None if fd is None else socket.socket(fileno=fd)
    host, port = sock.getsockname()[:2] if sock else (settings.host, settings.port)
    print(f"mockbsc {VERSION} serving the BSC API at http://{host}:{port}/management-api "
          f"(API explorer: http://{host}:{port}/)", file=sys.stderr)
    server = uvicorn.Server(uvicorn_config(app, settings, host=settings.host, port=settings.port,
                                           log_level=settings.log_level, lifespan="on"))
    # What requests load later is not frozen: full passes over it wait for an idle moment.
    state = server.server_state
    collector = IdleCollector(lambda: (state.total_requests, len(state.tasks)))
    collector.start()
    try:
        server.run(sockets=[sock] if sock else None)
    finally:
        collector.stop()
    return 0 if server.started else 3  # 3: uvicorn's own status for a failed start-up


@cli.group("fixtures")
def fixtures_group() -> None:
    """The fixtures file: its JSON Schema, and a check of one file."""


@fixtures_group.command("schema")
def fixtures_schema() -> int:
    """Print the JSON Schema of the fixtures file (YAML editors and CI can use it)."""
    import json

    from mockbsc.adapters.fixtures_schema import SCHEMA

    click.echo(json.dumps(SCHEMA, indent=2))
    return 0


@fixtures_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
def fixtures_check(file: str) -> int:
    """Check FILE as `serve --fixtures FILE` reads it; name each wrong field (exit 2)."""
    from mockbsc.adapters.fixtures_file import FixtureError, load_scenario

    try:
        scenario = load_scenario(file)
    except FixtureError as exc:
        print(f"mockbsc: {exc}", file=sys.stderr)
        return 2
    sims = sum(o.sims + len(o.explicit) for o in scenario.orgs)
    click.echo(f"{file}: ok ({len(scenario.orgs)} organisation(s), {sims} SIM(s), "
               f"{len(scenario.users)} user(s), {len(scenario.products)} product(s))")
    return 0


@cli.command("contract", **PASSTHROUGH)
@click.pass_context
def contract_command(ctx: click.Context) -> int:
    """Contract tests against a BSC server, `diff` of two contracts, `replay` of cassettes."""
    return _argparse_command(ctx, "contract")


@cli.command("import", **PASSTHROUGH)
@click.pass_context
def import_command(ctx: click.Context) -> int:
    """Import an organisation as fixtures (`mockbsc import -h`)."""
    return _argparse_command(ctx, "import")


@cli.command("proxy", **PASSTHROUGH)
@click.pass_context
def proxy_command(ctx: click.Context) -> int:
    """Validating, recording proxy to a BSC server (`mockbsc proxy -h`)."""
    return _argparse_command(ctx, "proxy")


def _argparse_command(ctx: click.Context, name: str) -> int:
    """Run a command that keeps its argparse parser; `--` and what follows go to
    schemathesis (`contract` only)."""
    import argparse

    from mockbsc.api import mirror_cli
    from mockbsc.contract.kit import cli as contract_cli

    argv: list[str] = list(ctx.args)
    extra = list(ctx.obj or [])
    parser = argparse.ArgumentParser(prog="mockbsc")
    commands = parser.add_subparsers(dest="command", required=True)
    if name == "contract":
        contract_cli.add_parser(commands)
    else:
        mirror_cli.add_parsers(commands)
    args = parser.parse_args([name, *argv])
    if name == "contract":
        return contract_cli.main(args, extra)
    return mirror_cli.main(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status is returned (0 ok, 1 a failed check, 2 a usage
    or settings error, 3 uvicorn could not start)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING)
    # click would take `--` for itself: what follows it is schemathesis's (`contract`).
    extra = argv[argv.index("--") + 1:] if "--" in argv else None
    argv = argv[: argv.index("--")] if "--" in argv else argv
    try:
        result = cli.main(args=argv, prog_name="mockbsc", standalone_mode=False, obj=extra)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        print("Aborted!", file=sys.stderr)
        return 1
    except SystemExit as exc:  # argparse of contract/import/proxy
        return exc.code if isinstance(exc.code, int) else 2
    return result if isinstance(result, int) else 0

"""The `mockbsc contract` command line: run the suite, or `diff` two contracts."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # `mockbsc serve` builds this parser too: it must not import the differ
    from mockbsc.contract.kit.diff import Difference

DESCRIPTION = """\
Run mockbsc's contract suite (schemathesis: every operation, positive and negative data,
every check) against a BSC-compatible server:

  mockbsc contract --base-url http://127.0.0.1:8080/management-api \\
      --user demo --password demo-password

or compare mockbsc's contract with another api-docs document:

  mockbsc contract diff other-api-docs.json [more.json ...]

Arguments after `--` go to `schemathesis run` as they are (e.g. -- --rate-limit 10/s).
"""


def add_parser(commands: Any) -> None:
    """Add `contract` (and its `diff` subcommand) to the top-level subparsers."""
    parser = commands.add_parser("contract", help="contract tests and contract diff",
                                 description=DESCRIPTION,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", help="the API as a client uses it, "
                        "e.g. http://127.0.0.1:8080/management-api")
    parser.add_argument("--user", help="API user (HTTP Basic for the token)")
    parser.add_argument("--password", help="its password")
    parser.add_argument("--max-examples", type=int, default=20,
                        help="test cases per operation and phase (default 20)")
    parser.add_argument("--mode", choices=("all", "positive", "negative"), default="all",
                        help="valid data, invalid data, or both (default)")
    parser.add_argument("--seed", type=int, help="schemathesis seed, to replay a run")
    parser.add_argument("--workers", default="1",
                        help="concurrent workers (default 1: gentle on a real platform)")
    parser.add_argument("--junit-xml", type=Path, metavar="FILE",
                        help="also write a JUnit XML report to FILE (for CI test reports)")
    parser.add_argument("--no-cache", action="store_true",
                        help="keep no cache between runs (default: schemathesis's and "
                        "Hypothesis's caches in mockbsc's cache directory, never in the "
                        "working directory)")
    sub = parser.add_subparsers(dest="contract_command")
    differ = sub.add_parser("diff", help="compare mockbsc's contract with another document",
                            description="List operations, parameters, fields and types that "
                            "differ between mockbsc's contract and OTHER (OpenAPI 3.0/3.1, JSON "
                            "or YAML; several files are read as one API). Exit 1 on any "
                            "difference not listed in --accept.")
    differ.add_argument("other", nargs="+", type=Path, help="api-docs file(s)")
    differ.add_argument("--format", choices=("text", "json", "keys"), default="text",
                        help="text for people, json for tools, keys for an --accept file")
    differ.add_argument("--accept", type=Path,
                        help="file of accepted difference keys (one per line, # comments)")
    replayer = sub.add_parser("replay", help="replay recorded exchanges (VCR cassettes)",
                              description="Send each recorded exchange (VCR.py cassettes, "
                              "JSON or YAML; directories are read whole) to --base-url with a "
                              "fresh token, mapping ICCIDs and ids, and report whether status, "
                              "content type, paging and Location headers, body keys and value "
                              "types match. Exit 0 when all do, 1 otherwise.")
    replayer.add_argument("cassettes", nargs="+", type=Path, help="cassette files or folders")
    replayer.add_argument("--base-url", dest="replay_base_url", required=True,
                          help="the API as a client uses it")
    replayer.add_argument("--user", dest="replay_user", required=True, help="API user")
    replayer.add_argument("--password", dest="replay_password", required=True,
                          help="its password")


def main(args: argparse.Namespace, extra: list[str]) -> int:
    if args.contract_command == "diff":
        return diff_command(args)
    if args.contract_command == "replay":
        return replay_command(args)
    return run_command(args, extra)


def run_command(args: argparse.Namespace, extra: list[str]) -> int:
    from mockbsc.contract.kit.run import ContractKitError, RunOptions, run

    missing = [f"--{n.replace('_', '-')}" for n in ("base_url", "user", "password")
               if not getattr(args, n)]
    if missing:
        print(f"mockbsc contract: {', '.join(missing)} required (see mockbsc contract -h)",
              file=sys.stderr)
        return 2
    options = RunOptions(args.base_url, args.user, args.password, args.max_examples, args.mode,
                         workers=args.workers, seed=args.seed, extra=tuple(extra),
                         junit_xml=args.junit_xml, cache=not args.no_cache)
    try:
        return run(options)
    except ContractKitError as exc:
        print(f"mockbsc contract: {exc}", file=sys.stderr)
        return 2


def replay_command(args: argparse.Namespace) -> int:
    from mockbsc.adapters.cassettes import CassetteError, load
    from mockbsc.contract.kit.replay import ReplayError, replay_all, report

    try:
        recordings = load(args.cassettes)
        outcomes = replay_all(recordings, args.replay_base_url, args.replay_user,
                              args.replay_password)
    except (CassetteError, ReplayError) as exc:
        print(f"mockbsc contract replay: {exc}", file=sys.stderr)
        return 2
    print(report(outcomes))
    return 0 if all(o.matches for o in outcomes) else 1


def accepted_keys(path: Path | None) -> set[str]:
    if path is None:
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def diff_command(args: argparse.Namespace) -> int:
    from mockbsc.contract.document import BSC_CONTRACT, contract_path
    from mockbsc.contract.kit.diff import diff, load_document, model_of, report

    try:
        ours = model_of([load_document(contract_path(BSC_CONTRACT))])
        theirs = model_of([load_document(path) for path in args.other])
    except (OSError, ValueError) as exc:
        print(f"mockbsc contract diff: {exc}", file=sys.stderr)
        return 2
    accepted = accepted_keys(args.accept)
    found = [d for d in diff(ours, theirs) if d.key not in accepted]
    if args.format == "json":
        print(json.dumps([_as_json(d) for d in found], indent=2))
    elif args.format == "keys":
        print("\n".join(d.key for d in found))
    else:
        print(report(ours, theirs, found))
        if accepted:
            print(f"({len(accepted)} accepted difference(s) from {args.accept} not shown)")
    return 1 if found else 0


def _as_json(d: Difference) -> dict[str, str | bool]:
    return {"operation": d.operation, "kind": d.kind, "where": d.where, "mockbsc": d.ours,
            "other": d.theirs, "key": d.key, "breaking": d.breaking}

"""The reference: a minimal Starlette app that checks a bearer header and returns SIM JSON.

It answers `GET /management-api/v1/sims/{iccid}` with the same JSON mockbsc sends for the same
fleet, serialised per request as any Starlette app would. Reads and writes are both quoted
against its requests per second.
Served by `python -m benchmarks.reference` with the same uvicorn settings as `mockbsc serve`.
"""

from __future__ import annotations

import argparse
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "reference-token"


def fleet_json(sims: int | None, seed: int) -> dict[str, dict[str, Any]]:
    """The SIM JSON of every SIM of the fleet mockbsc seeds with these settings."""
    from mockbsc.api import serialize
    from mockbsc.api.app import build_emulator
    from mockbsc.config import Settings

    emulator = build_emulator(Settings(sims=sims, seed=seed))
    return {sim.iccid: serialize.sim(sim) for sim in emulator.sims.all()}


def reference_app(sims: dict[str, dict[str, Any]], token: str = TOKEN) -> Starlette:
    expected = f"Bearer {token}"

    async def get_sim(request: Request) -> Response:
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        sim = sims.get(request.path_params["iccid"])
        if sim is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        return JSONResponse(sim)

    return Starlette(routes=[
        Route("/management-api/v1/sims/{iccid}", get_sim, methods=["GET"]),
        Route("/health", lambda request: JSONResponse({"status": "ok"}), methods=["GET"]),
    ])


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--sims", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    app = reference_app(fleet_json(args.sims, args.seed))
    # The same settings `mockbsc serve` passes (mockbsc/cli.py).
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False,
                lifespan="on")


if __name__ == "__main__":
    main()

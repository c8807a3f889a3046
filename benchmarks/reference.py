"""The reference: a minimal Starlette app that does what each measured call does, no more.

Every route checks a bearer header and finds the SIM in a dict, then:
- `GET /management-api/v1/sims/{iccid}`: returns the same JSON mockbsc sends for the same
  fleet, serialised per request as any Starlette app would;
- `PUT .../sims/{iccid}`: parses the JSON body, stores its label, answers an empty 200;
- `POST .../sims/{iccid}/sms`: parses the JSON body, keeps the payload under a new id,
  answers 201 with a `Location`;
- `POST .../sims/{iccid}/topup`: counts an order, answers 201 with a `Location`.
Each of mockbsc's figures is divided by the reference's figure for the same call.
Served by `python -m benchmarks.reference --fd N` on the fastest stack uvicorn offers, uvloop and
httptools, named explicitly: the reference fails rather than fall back to a slower one.
"""

from __future__ import annotations

import argparse
import socket
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
    sms: dict[int, str] = {}
    orders = [0]

    def refused(request: Request) -> Response | None:
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if request.path_params["iccid"] not in sims:
            return JSONResponse({"error": "not found"}, status_code=404)
        return None

    async def body_of(request: Request) -> dict[str, Any] | Response:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "not JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "not an object"}, status_code=400)
        return body

    async def get_sim(request: Request) -> Response:
        return refused(request) or JSONResponse(sims[request.path_params["iccid"]])

    async def update_sim(request: Request) -> Response:
        if answer := refused(request):
            return answer
        body = await body_of(request)
        if isinstance(body, Response):
            return body
        sims[request.path_params["iccid"]]["label"] = body.get("label")
        return Response(status_code=200, media_type="application/json")

    async def send_sms(request: Request) -> Response:
        if answer := refused(request):
            return answer
        body = await body_of(request)
        if isinstance(body, Response):
            return body
        sms_id = len(sms) + 1
        sms[sms_id] = str(body.get("payload"))
        return Response(status_code=201, media_type="application/json", headers={
            "Location": f"{request.url}/{sms_id}"})

    async def top_up(request: Request) -> Response:
        if answer := refused(request):
            return answer
        orders[0] += 1
        return Response(status_code=201, media_type="application/json", headers={
            "Location": f"{request.base_url}management-api/v1/orders/{orders[0]}"})

    sim = "/management-api/v1/sims/{iccid}"
    return Starlette(routes=[
        Route(sim, get_sim, methods=["GET"]),
        Route(sim, update_sim, methods=["PUT"]),
        Route(sim + "/sms", send_sms, methods=["POST"]),
        Route(sim + "/topup", top_up, methods=["POST"]),
        Route("/health", lambda request: JSONResponse({"status": "ok"}), methods=["GET"]),
    ])


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True, help="inherited listening socket")
    parser.add_argument("--sims", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    app = reference_app(fleet_json(args.sims, args.seed))
    # Bare Starlette on the best stack (issue 14): what a Python ASGI server can do at most.
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            loop="uvloop", http="httptools", ws="none")
    uvicorn.Server(config).run(sockets=[socket.socket(fileno=args.fd)])


if __name__ == "__main__":
    main()

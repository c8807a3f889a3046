"""PrefixRouter picks the same route as Starlette's own loop, for every kind of path."""

from __future__ import annotations

import itertools

import pytest
from starlette.routing import BaseRoute, Match, Router
from starlette.types import Scope

from mockbsc.api.app import create_app
from mockbsc.api.router import PrefixRouter, literal_affixes, literal_prefix

VALUES = ("8988228066602306770", "topup", "123", "", "x/y", "%2F", "status")
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")


def _starlette_full_match(router: Router, scope: Scope) -> BaseRoute | None:
    for route in router.routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route
    return None


def _paths(router: Router) -> set[str]:
    paths = {"/", "", "/nowhere", "/management-api", "/explorer/assets",
             "/explorer/assets/", "/explorer/assets/swagger-ui.css"}
    for route in router.routes:
        template = getattr(route, "path_format", "")
        parts = template.replace("}", "{").split("{")
        for values in itertools.product(VALUES, repeat=len(parts[1::2])):
            path = "".join(p if i % 2 == 0 else values[i // 2] for i, p in enumerate(parts))
            paths |= {path, path + "/", path.rstrip("/") + "/extra", path[:-1]}
    return paths


def test_the_app_dispatches_through_the_prefix_router() -> None:
    router = create_app().router
    assert isinstance(router, PrefixRouter)
    assert router.middleware_stack == router.app


def test_same_route_as_starlette_for_every_path_and_method() -> None:
    app = create_app()
    router = PrefixRouter.replacing(Router(routes=list(app.router.routes)))
    assert isinstance(router, PrefixRouter)
    checked = 0
    for path, method, root in itertools.product(sorted(_paths(router)), METHODS, ("", "/api")):
        scope: Scope = {"type": "http", "path": root + path, "root_path": root,
                        "method": method, "headers": []}
        found = router.full_match(scope)
        assert (found[0] if found else None) is _starlette_full_match(router, scope), scope
        checked += 1
    assert checked > 1000


@pytest.mark.parametrize(("path", "affixes"), [
    ("/management-api/v1/sims/{iccid}", ("/management-api/v1/sims/", "")),
    ("/management-api/v1/sims/{iccid}/sms/{id}", ("/management-api/v1/sims/", "")),
    ("/management-api/v1/sims/{iccid}/quota/data", ("/management-api/v1/sims/", "/quota/data")),
    ("/health", ("/health", "/health")),
])
def test_literal_affixes_are_the_text_around_the_parameters(
    path: str, affixes: tuple[str, str]
) -> None:
    from starlette.routing import Route

    route = Route(path, lambda request: None)
    assert literal_affixes(route) == affixes
    assert literal_prefix(route) == affixes[0]

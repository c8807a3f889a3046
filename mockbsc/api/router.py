"""`PrefixRouter`: Starlette's router, minus the regexes that cannot match.

Starlette tries every route's regex in order until one matches in full. With ~50 routes,
`GET /v1/sims/{iccid}` ran 9 regexes and `/health` 23, about a sixth of a request's CPU.
A route can only match a path that starts with the literal text before its first `{` and
ends with the text after its last `}`, so routes whose prefix or suffix the path lacks are
skipped without running their regex, and so are routes of another method (each operation
is a route of its own: `GET` and `PUT /v1/sims/{iccid}` are two). The first route
that matches in full is the same one Starlette would pick; everything else (405 from a
partial match, slash redirects, 404) is left to Starlette's own loop.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Match, Mount, Route, Router
from starlette.types import Receive, Scope, Send


def literal_prefix(route: BaseRoute) -> str:
    """Text every path this route matches starts with ("" when unknown: always try it)."""
    return literal_affixes(route)[0]


def literal_affixes(route: BaseRoute) -> tuple[str, str]:
    """(prefix, suffix): the literal text before the first and after the last parameter,
    which every path the route matches starts and ends with ("" when unknown)."""
    if isinstance(route, Route | Mount):
        template = route.path_format
        if "{" not in template:
            return template, template
        return template.split("{", 1)[0], template.rsplit("}", 1)[1]
    return "", ""


class PrefixRouter(Router):
    """A `Router` that checks a route's literal prefix and suffix before its regex."""

    @classmethod
    def replacing(cls, router: Router) -> Router:
        """The same router (routes, lifespan, default, redirects) with the fast lookup.

        A router with router-level middleware is returned as it is: its middleware stack
        wraps the old router's own `app`.
        """
        if getattr(router.middleware_stack, "__self__", None) is not router:
            return router
        fast = cls.__new__(cls)
        fast.__dict__.update(router.__dict__)
        fast.middleware_stack = fast.app  # Router.__call__ dispatches through this
        return fast

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().app(scope, receive, send)
            return
        found = self.full_match(scope)
        if found is None and _trailing_slash(scope):
            # Spring 5 matches `/v1/sims/` as `/v1/sims`: the same answer, not a redirect.
            trimmed = {**scope, "path": scope["path"][:-1]}
            found = self.full_match(trimmed)
            if found is None:
                await super().app(trimmed, receive, send)  # the slashless path's 405 or 404
                return
        if found is None:
            await super().app(scope, receive, send)  # 405, redirect or 404: Starlette's way
            return
        route, child_scope = found
        self.enter(scope, route, child_scope)
        await route.handle(scope, receive, send)

    def enter(self, scope: Scope, route: BaseRoute, child_scope: Scope) -> None:
        """Make `scope` the scope `route` is called with, as Starlette's router does."""
        if "router" not in scope:
            scope["router"] = self
        scope["route"] = route
        scope.update(child_scope)

    def full_match(self, scope: Scope) -> tuple[BaseRoute, Scope] | None:
        """The first route that matches `scope` in full, and its child scope; remembered per
        method, path and root path for the last `MATCHES_KEPT` of them (a client polls the
        same few SIMs), as long as the list of routes keeps its length."""
        if "path_params" in scope:  # a mounted router: the child scope merges the parent's
            return self._search(scope)
        key = (scope["method"], scope["path"], scope.get("root_path", ""))
        kept: dict[tuple[str, str, str], tuple[BaseRoute, Scope] | None] | None = \
            self.__dict__.get(_MATCHES)
        if kept is None or self.__dict__.get(_ROUTE_COUNT) != len(self.routes):
            kept = self.__dict__[_MATCHES] = {}
            self.__dict__[_ROUTE_COUNT] = len(self.routes)
        if key in kept:
            found = kept[key]
        else:
            found = self._search(scope)
            if len(kept) >= MATCHES_KEPT:
                kept.clear()
            kept[key] = found
        if found is None:
            return None
        route, child = found
        return route, {**child, "path_params": dict(child.get("path_params", {}))}

    def _search(self, scope: Scope) -> tuple[BaseRoute, Scope] | None:
        path = route_path(scope)
        method = scope["method"]
        for route in self.routes:
            # Kept on the route itself: routes may be added to the list at any time.
            affixes: tuple[str, str] | None = route.__dict__.get(_AFFIXES)
            if affixes is None:
                affixes = route.__dict__[_AFFIXES] = literal_affixes(route)
            if not (path.startswith(affixes[0]) and path.endswith(affixes[1])):
                continue  # its regex is anchored on this literal text: it cannot match
            methods = getattr(route, "methods", None)
            if methods and method not in methods:
                continue  # at best a partial match (405): Starlette's loop decides those
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return route, child_scope
        return None


_AFFIXES = "_mockbsc_literal_affixes"
_MATCHES = "_mockbsc_matches"
_ROUTE_COUNT = "_mockbsc_route_count"
MATCHES_KEPT = 4096


def route_path(scope: Scope) -> str:
    """The path routes match: `path` minus the `root_path` it is mounted under (what
    Starlette's private `get_route_path` computes; the ASGI spec defines both keys)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if not root:
        return path
    if path == root:
        return ""
    if path.startswith(root + "/"):
        return path[len(root):]
    return path


def _trailing_slash(scope: Scope) -> bool:
    """A path ending in one `/` that the platform would serve as the path without it
    (unless `--strict-requests` asks for Starlette's 307 redirect)."""
    path: str = scope["path"]
    if len(path) < 2 or not path.endswith("/") or path.endswith("//"):
        return False
    app = scope.get("app")
    state = getattr(app, "state", None)
    emulator = getattr(state, "emulator", None)
    settings = getattr(emulator, "settings", None)
    return not getattr(settings, "strict_requests", False)

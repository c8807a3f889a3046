"""The API explorer at `/`: Swagger UI from the packaged `swagger_ui_bundle` assets, no CDN.

The real host shows an interactive API page at its root; mockbsc does the same, offline.
The bundled Swagger UI (4.x) renders OpenAPI 3.0 only, so the explorer reads a 3.0 rendition
of each contract (`openapi30.py`); the 3.1 originals stay the truth at `/management-api/api-docs`.

The token flow works from the page: "Authorize" with the Basic scheme (username/password),
"Try it out" on `POST /oauth/token`, and the response interceptor below puts the returned
`access_token` into the Bearer scheme, so every other operation is then authorized.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from mockbsc.api.openapi30 import downgrade
from mockbsc.contract.document import Contract

ASSETS = "/explorer/assets"

INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>mockbsc API explorer</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{assets}/favicon-32x32.png" sizes="32x32">
  <style>body {{ margin: 0 }} .topbar .link svg {{ display: none }}</style>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/swagger-ui-standalone-preset.js"></script>
<script>
window.onload = function () {{
  const ui = SwaggerUIBundle({{
    urls: {urls},
    "urls.primaryName": "BSC API",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    displayRequestDuration: true,
    tryItOutEnabled: false,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
    responseInterceptor: function (response) {{
      // A token from POST /oauth/token authorizes every Bearer operation at once.
      if (response.ok && /\\/oauth\\/token(\\?|$)/.test(response.url)
          && response.body && response.body.access_token) {{
        ui.preauthorizeApiKey("BearerAuthentication", response.body.access_token);
      }}
      return response;
    }}
  }});
  window.ui = ui;
}};
</script>
</body>
</html>
"""


def explorer_routes(bsc: Contract, control: Contract) -> list[BaseRoute]:
    """`/` (the page), its assets, and the 3.0 renditions of both contracts it reads."""
    from swagger_ui_bundle import swagger_ui_path

    contracts = {"bsc": bsc, "control": control}

    def page(root: str) -> bytes:
        """The page for an app served at `root` ("" or a sandbox's `/sandboxes/{id}`)."""
        urls = json.dumps([{"url": f"{root}/explorer/bsc-openapi.json", "name": "BSC API"},
                           {"url": f"{root}/explorer/control-openapi.json",
                            "name": "mockbsc control API"}])
        return INDEX.format(assets=root + ASSETS, urls=urls).encode()

    pages = {"": page("")}

    async def index(request: Request) -> Response:
        root = str(request.scope.get("root_path", ""))
        if root not in pages:
            if len(pages) > 1024:  # one per sandbox id seen: keep the memory bounded
                pages.clear()
            pages[root] = page(root)
        return HTMLResponse(pages[root])

    async def explorer(request: Request) -> Response:
        return RedirectResponse(str(request.scope.get("root_path", "")) + "/", status_code=307)

    def document(name: str) -> Route:
        async def endpoint(request: Request) -> Response:
            root = str(request.scope.get("root_path", ""))
            return Response(_rendition(contracts[name], root), media_type="application/json")

        return Route(f"/explorer/{name}-openapi.json", endpoint, methods=["GET"],
                     name=f"explorer{name.title()}Docs")

    return [
        Route("/", index, methods=["GET"], name="explorer"),
        Route("/explorer", explorer, methods=["GET"], name="explorerRedirect"),
        document("bsc"),
        document("control"),
        Mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="explorerAssets"),
    ]


def _rendition(contract: Contract, root: str = "") -> bytes:
    """The explorer's 3.0 view of a contract; under a sandbox's `root` its servers carry
    the prefix, so "Try it out" calls the sandbox rather than the default platform."""
    if not root:
        return _root_rendition(contract)
    document = json.loads(_root_rendition(contract))
    for server in document.get("servers", []):
        if str(server.get("url", "")).startswith("/"):
            server["url"] = root + server["url"].rstrip("/")
    return json.dumps(document).encode()


@functools.lru_cache(maxsize=8)
def _root_rendition(contract: Contract) -> bytes:
    """The explorer's 3.0 view of a contract, made when first asked for (a deep copy and a
    walk of the whole document: ~15 ms that every `create_app()` paid up front) and kept
    for as long as the (per-process) contract."""
    return json.dumps(_explorer_view(downgrade(contract.document))).encode()


def _explorer_view(document: dict[str, Any]) -> dict[str, Any]:
    """Optional parameters lose their `example` (kept in the description).

    Swagger UI fills "Try it out" fields with examples, so a first `GET /v1/sims` would
    otherwise filter by the example IMEI and show an empty fleet.
    """
    parameters: list[Any] = list(document.get("components", {}).get("parameters", {}).values())
    for item in document.get("paths", {}).values():
        parameters += item.get("parameters", [])
        parameters += [p for op in item.values() if isinstance(op, dict)
                       for p in op.get("parameters", [])]
    for param in parameters:
        if isinstance(param, dict) and not param.get("required") and "example" in param:
            example = param.pop("example")
            text = param.get("description", "").rstrip()
            param["description"] = f"{text}\n\nExample: `{example}`".strip()
    return document

"""The API explorer at `/`: Swagger UI 5 from vendored `swagger-ui-dist` assets, no CDN.

The real host shows an interactive API page at its root; mockbsc does the same, offline.
Swagger UI 5 renders OpenAPI 3.1, so the page reads the contracts as served: the BSC API at
`/management-api/api-docs`, the control API at `/explorer/control-openapi.json` (the control
plane's own `/_mockbsc/api-docs` may need the admin token, the explorer must not).

Two things are adjusted in the browser, on the copy Swagger UI reads, never in the contract:
under a sandbox's prefix the relative `servers` gain the prefix ("Try it out" must call the
sandbox), and optional parameters lose their `example` (Swagger UI fills "Try it out" fields
with examples, so a first `GET /v1/sims` would filter by the example IMEI and list nothing).

The token flow works from the page: "Authorize" with the Basic scheme (username/password),
"Try it out" on `POST /oauth/token`, and the response interceptor below puts the returned
`access_token` into the Bearer scheme, so every other operation is then authorized;
`persistAuthorization` keeps it across reloads (in the browser's local storage).
"""

from __future__ import annotations

import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from mockbsc.contract.document import Contract

ASSETS = "/explorer/assets"
SWAGGER_UI = Path(__file__).parent / "static" / "vendor" / "swagger-ui"

INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>mockbsc API explorer</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{assets}/favicon-32x32.png" sizes="32x32">
  <style>
    body {{ margin: 0 }} .topbar .link svg {{ display: none }}
    #mockbsc-intro {{ font: 14px sans-serif; padding: 10px 20px; background: #fdf6e3;
                      border-bottom: 1px solid #e0d8c0 }}
    #mockbsc-intro code {{ background: #eee; padding: 0 3px }}
  </style>
</head>
<body>
<div id="mockbsc-intro">
  <b>mockbsc</b> — first steps: <b>1.</b> <em>Authorize</em> → <code>BasicAuthentication</code>
  with the demo login <code>demo</code> / <code>demo-password</code>.
  <b>2.</b> <code>POST /oauth/token</code> → <em>Try it out</em> → <em>Execute</em>: the bearer
  token is filled in for you and kept across reloads. <b>3.</b> Any other operation →
  <em>Try it out</em> → <em>Execute</em>.
  The emulator's console: <a href="{root}/_mockbsc/console">{root}/_mockbsc/console</a>.
</div>
<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/swagger-ui-standalone-preset.js"></script>
<script>
const ROOT = {root_json};
const SPECS = {urls};

function explorerView(text) {{
  // The served document, adjusted for this page: see mockbsc/api/explorer.py.
  const doc = JSON.parse(text);
  for (const server of doc.servers || []) {{
    if (ROOT && server.url.startsWith("/")) {{
      server.url = (ROOT + server.url).replace(/\\/$/, "");
    }}
  }}
  const params = Object.values((doc.components || {{}}).parameters || {{}});
  for (const item of Object.values(doc.paths || {{}})) {{
    params.push(...(item.parameters || []));
    for (const op of Object.values(item)) {{
      if (op && Array.isArray(op.parameters)) params.push(...op.parameters);
    }}
  }}
  for (const p of params) {{
    if (p && !p.required && "example" in p) {{
      p.description = ((p.description || "") + "\\n\\nExample: `" + p.example + "`").trim();
      delete p.example;
    }}
  }}
  return JSON.stringify(doc);
}}

window.onload = function () {{
  const ui = SwaggerUIBundle({{
    urls: SPECS,
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
      if (response.ok && SPECS.some((s) => response.url.endsWith(s.url))) {{
        response.text = explorerView(response.text);
        response.data = response.text;
        response.body = JSON.parse(response.text);
      }}
      // A token from POST /oauth/token authorizes every Bearer operation at once.
      if (response.ok && /\\/oauth\\/token(\\?|$)/.test(response.url)
          && response.body && response.body.access_token) {{
        ui.preauthorizeApiKey("BearerAuthentication", response.body.access_token);
        ui.authActions.persistAuthorizationIfNeeded();  // kept across reloads
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
    """`/` (the page), its assets, and both contracts as the page reads them."""
    contracts = {"bsc": bsc, "control": control}

    def page(root: str) -> bytes:
        """The page for an app served at `root` ("" or a sandbox's `/sandboxes/{id}`)."""
        urls = json.dumps([{"url": f"{root}{bsc.base_path}/api-docs", "name": "BSC API"},
                           {"url": f"{root}/explorer/control-openapi.json",
                            "name": "mockbsc control API"}])
        return INDEX.format(assets=root + ASSETS, urls=urls, root=root,
                            root_json=json.dumps(root)).encode()

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
            return Response(contracts[name].json_bytes, media_type="application/json")

        return Route(f"/explorer/{name}-openapi.json", endpoint, methods=["GET"],
                     name=f"explorer{name.title()}Docs")

    return [
        Route("/", index, methods=["GET"], name="explorer"),
        Route("/explorer", explorer, methods=["GET"], name="explorerRedirect"),
        document("bsc"),
        document("control"),
        Mount(ASSETS, StaticFiles(directory=str(SWAGGER_UI)), name="explorerAssets"),
    ]

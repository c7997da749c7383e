"""The web layer: a FastAPI app (REST API with an OpenAPI spec at /openapi.json, a reference at
/docs) and a server-rendered dashboard, thin over livecart's core. Nothing imports this package
but the CLI.

    from livecart.web import create_app, serve
    app = create_app("my-workspace")        # for uvicorn or a TestClient
    serve("my-workspace", port=8000)        # prints http://127.0.0.1:8000/ and serves
"""

from livecart.web.app import create_app
from livecart.web.page import Page
from livecart.web.server import serve, url_for

__all__ = ["Page", "create_app", "serve", "url_for"]

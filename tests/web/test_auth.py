"""Auth rules (docs/web.md, Security): loopback reads need no token; off loopback every route
needs the bearer token; write routes always need it; refusals say what to do; errors map in one
place."""

from __future__ import annotations

import pytest
from fastapi import APIRouter

from livecart.errors import ImportRejected, LivecartError, Problem, WorkspaceError
from livecart.web import Page, create_app
from livecart.web.pages import PAGES
from livecart.web.security import is_loopback
from tests.web.conftest import TOKEN

ROUTES = [
    "/",
    "/api/overview",
    "/api/status",
    "/healthz",
    "/openapi.json",
    "/docs",
    "/products",
    "/static/livecart.css",
]
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def _with_write_routes() -> list[Page]:
    """The real pages plus an API-only module with a write route and a signed webhook."""
    r = APIRouter()

    @r.post("/api/things")
    def make_thing() -> dict[str, str]:
        return {"made": "yes"}

    @r.post("/api/hooks/{name}")
    def signed_hook(name: str) -> dict[str, str]:
        return {"checked": f"{name} by the route itself"}

    return [
        *PAGES,
        Page(
            "writes",
            "Writes",
            "/api/things",
            "test writes",
            router=r,
            nav=False,
            own_auth=("POST /api/hooks/{name}",),
        ),
    ]


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_loopback_addresses(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::", "example.com"])
def test_other_addresses_are_not_loopback(host):
    assert not is_loopback(host)


def test_loopback_reads_need_no_token(client):
    for path in ROUTES:
        assert client.get(path).status_code == 200, path


def test_off_loopback_every_route_needs_the_token(make_client):
    c = make_client(host="0.0.0.0", api_token=TOKEN)
    for path in ROUTES:
        r = c.get(path)
        assert r.status_code == 401, path
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert "Authorization: Bearer <api_token>" in r.json()["fix"]
        assert c.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get(path, headers=BEARER).status_code == 200, path


def test_off_loopback_refuses_to_start_without_a_token(sample_path):
    with pytest.raises(LivecartError) as e:
        create_app(sample_path, host="0.0.0.0", api_token="")
    assert "LIVECART_API_TOKEN" in str(e.value) and "livecart.toml" in str(e.value)


def test_write_routes_need_the_token_even_on_loopback(make_client):
    c = make_client(api_token=TOKEN, pages=_with_write_routes())
    r = c.post("/api/things")
    assert r.status_code == 401 and "write routes always need" in r.json()["detail"]
    assert c.post("/api/things", headers=BEARER).json() == {"made": "yes"}
    # any write method, even on a read-only path, is refused before routing without the token
    assert c.delete("/api/overview").status_code == 401


def test_write_routes_refused_when_no_token_is_set_says_how_to_set_one(make_client):
    body = make_client(pages=_with_write_routes()).post("/api/things").json()
    assert "has none set" in body["detail"]
    assert "LIVECART_API_TOKEN" in body["fix"] and "livecart.toml" in body["fix"]


def test_routes_with_their_own_auth_are_left_to_check_callers(make_client):
    c = make_client(host="0.0.0.0", api_token=TOKEN, pages=_with_write_routes())
    assert c.post("/api/hooks/orders").json() == {"checked": "orders by the route itself"}
    assert c.post("/api/things").status_code == 401
    assert c.get("/api/hooks/orders").status_code == 401  # only the declared method
    assert c.post("/api/hooks/orders/more").status_code == 401  # only the declared path
    assert "writes" not in [p.key for p in c.app.state.nav]


def test_token_from_workspace_settings(sample_path, make_client):
    (sample_path / "livecart.toml").write_text(f'api_token = "{TOKEN}"\nhost = "0.0.0.0"\n')
    c = make_client()
    assert c.get("/api/status").status_code == 401
    assert c.get("/api/status", headers=BEARER).status_code == 200


def _raise(exc):
    def route():
        raise exc

    return route


@pytest.mark.parametrize(
    "exc, status",
    [
        (WorkspaceError("no livecart workspace at x: create one with `livecart init x`"), 404),
        (ImportRejected([Problem("o.csv", 3, "Quantity", "must be at least 1")]), 422),
        (LivecartError("unknown market ZZ: import it first"), 400),
    ],
)
def test_livecart_errors_map_to_http_with_what_to_fix(client, exc, status):
    client.app.add_api_route("/api/boom", _raise(exc))
    client.app.add_api_route("/boom", _raise(exc))
    r = client.get("/api/boom")
    assert r.status_code == status
    body = r.json()
    assert body["error"] == type(exc).__name__
    assert body["detail"] == str(exc).splitlines()[0]
    if isinstance(exc, ImportRejected):
        assert body["problems"] == [
            {"file": "o.csv", "row": 3, "column": "Quantity", "message": "must be at least 1"}
        ]
    page = client.get("/boom")
    assert page.status_code == status and body["detail"] in page.text.replace("&#39;", "'")

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import API


def test_health_answers_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_sim_list_needs_a_token(client: TestClient) -> None:
    response = client.get(f"{API}/v1/sims")
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


def test_sim_list_with_token_is_paged(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(f"{API}/v1/sims", headers=auth)
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "50"
    assert len(response.json()) == 10

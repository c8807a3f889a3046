"""Eight clients work in eight sandboxes of one live server at once, in rounds started
together, and none sees anything of another's doing (issue 15; the same run is a figure of
`python -m benchmarks --only sandboxes`)."""

from __future__ import annotations

from benchmarks.sandboxes import isolation_problems
from mockbsc.config import Settings
from mockbsc.testing.server import MockBSCServer


def test_eight_clients_in_eight_sandboxes_do_not_affect_each_other() -> None:
    with MockBSCServer(Settings(admin_token="iso")) as server:
        problems, calls = isolation_problems(server.url, clients=8, rounds=4,
                                             headers={"Authorization": "Bearer iso"})
        listed = server_sandboxes(server)
    assert problems == []
    assert calls == 8 * 4 * 6  # six checks per client and round
    assert listed == []  # each client deleted its own


def server_sandboxes(server: MockBSCServer) -> list[object]:
    import httpx

    response = httpx.get(server.url + "/_mockbsc/sandboxes",
                         headers={"Authorization": "Bearer iso"})
    result: list[object] = response.json()
    return result

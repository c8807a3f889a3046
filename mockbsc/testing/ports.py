"""Local ports for servers started by tests and benchmarks: bound once, never bind-close-rebind.

`listening_socket()` is the one way to get a free port: the socket stays bound (and
listening) until the server takes it over, either in this process (`uvicorn.Server.run(
sockets=[...])`, as `MockBSCServer` does) or in a child (`mockbsc serve --fd N`, the socket passed
through `pass_fds`), so no other process can take the port in between.
`refusing_port()` holds a port bound but not listening: connections to it are refused for as
long as it is held (a receiver that is down). `unbound_port_number()` is the exception for
the rare child that can only be told a port *number*.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator


def listening_socket(host: str = "127.0.0.1", port: int = 0, *,
                     reuse_port: bool = False) -> socket.socket:
    """A TCP socket bound to `host:port` (0: a free port the OS picks) and listening.

    Args:
        host: address to bind.
        port: port to bind; 0 lets the OS choose a free one (read it from `getsockname()`).
        reuse_port: set SO_REUSEPORT, so that a later socket of this process with the same
            option may bind the same port (how `WebhookReceiver` goes down and up again).

    Returns:
        The listening socket; the caller owns it and closes it. A child inherits it through
        `subprocess.Popen(..., pass_fds=[sock.fileno()])`.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except BaseException:
        sock.close()
        raise
    return sock


def port_of(sock: socket.socket) -> int:
    """The local port a bound socket holds."""
    return int(sock.getsockname()[1])


@contextlib.contextmanager
def refusing_port(host: str = "127.0.0.1") -> Iterator[int]:
    """A port that refuses every connection while the block runs (bound, never listening).

    Because the port stays bound, no other server can appear on it: a webhook URL pointed
    here fails with "connection refused" for as long as the block runs.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        yield port_of(sock)


def unbound_port_number(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago, for a child that can only be told a *number*.

    Racy by nature: the port is released before the child binds it, so another process may
    take it in between (the child then fails to start, loudly: no silent cross-talk). Use it
    only where the number itself is under test (`MOCKBSC_PORT` read by a Docker entrypoint,
    `MOCKBSC_TEST_PORT` pinning the plugin's server); everywhere else pass a
    `listening_socket()` instead.
    """
    with contextlib.closing(listening_socket(host)) as sock:
        return port_of(sock)

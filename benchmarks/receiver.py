"""A fast webhook receiver for the benchmarks: raw asyncio HTTP/1.1, answers 200 at once.

`python -m benchmarks.receiver --fd N` (a listening socket it inherits) counts every request
except `GET /stats`, which answers `{"count": ..., "first": ..., "last": ...}` (monotonic
seconds of the first and the last request counted), so deliveries per second can be read off
the receiving side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import time

OK = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"


class Stats:
    def __init__(self) -> None:
        self.count = 0
        self.first = 0.0
        self.last = 0.0


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 stats: Stats) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            if head.startswith(b"GET /stats "):
                body = json.dumps({"count": stats.count, "first": stats.first,
                                   "last": stats.last}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                             b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            else:
                now = time.monotonic()
                stats.count += 1
                stats.first = stats.first or now
                stats.last = now
                writer.write(OK)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def serve(fd: int) -> None:
    stats = Stats()
    server = await asyncio.start_server(lambda r, w: handle(r, w, stats),
                                        sock=socket.socket(fileno=fd), backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True)
    asyncio.run(serve(parser.parse_args().fd))


if __name__ == "__main__":
    main()

"""The gateway's HTTP/1.1 client: reply framing, keep-alive reuse, a server that closed the connection, and every
way an upstream can fail ending in UpstreamError (which the gateway turns into a Chinese 503)."""

import socket
import threading
import time
from collections.abc import Callable

import pytest

from gateway.upstream_client import UpstreamClient, UpstreamError

Script = Callable[[socket.socket, bytes], bool]  # (connection, request head) -> keep the connection open?


class ScriptedServer:
    """A TCP server on 127.0.0.1 that answers each request with `script`, and counts connections and requests."""

    def __init__(self, script: Script):
        self.script = script
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.requests: list[bytes] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        buffer = b""
        with connection:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                while len(buffer) < length:
                    buffer += connection.recv(65536)
                body, buffer = buffer[:length], buffer[length:]
                self.requests.append(head + b"\r\n\r\n" + body)
                if not self.script(connection, head):
                    return

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def serve():
    servers: list[ScriptedServer] = []

    def start(script: Script) -> ScriptedServer:
        servers.append(ScriptedServer(script))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def reply_with(data: bytes, keep_open: bool = True) -> Script:
    def script(connection: socket.socket, _head: bytes) -> bool:
        connection.sendall(data)
        return keep_open

    return script


def test_a_content_length_reply_and_the_connection_is_reused(serve):
    server = serve(
        reply_with(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}')
    )
    client = UpstreamClient(server.url, timeout=2)
    for _ in range(3):
        reply = client.request("GET", "/api/v1/accounts/me/account?page=2", [("Authorization", "Bearer t")])
        assert (reply.status, reply.body) == (200, b'{"ok":true}')
        assert ("Content-Type", "application/json") in reply.headers
    assert server.connections == 1
    first = server.requests[0].decode()
    assert first.startswith("GET /api/v1/accounts/me/account?page=2 HTTP/1.1\r\n")
    assert f"Host: 127.0.0.1:{server.port}" in first and "Authorization: Bearer t" in first


def test_a_chunked_reply_with_trailers_is_joined(serve):
    server = serve(
        reply_with(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;x=1\r\n, world\r\n0\r\nT: 1\r\n\r\n"
        )
    )
    client = UpstreamClient(server.url, timeout=2)
    assert client.request("GET", "/", []).body == b"hello, world"
    assert client.request("GET", "/", []).body == b"hello, world"
    assert server.connections == 1


def test_a_reply_ended_by_closing_is_read_to_the_end_and_the_connection_not_reused(serve):
    server = serve(reply_with(b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * 200_000, keep_open=False))
    client = UpstreamClient(server.url, timeout=2)
    assert len(client.request("GET", "/", []).body) == 200_000
    assert len(client.request("GET", "/", []).body) == 200_000
    assert server.connections == 2


def test_head_and_no_content_replies_have_no_body(serve):
    server = serve(reply_with(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"))
    client = UpstreamClient(server.url, timeout=2)
    assert client.request("DELETE", "/x", []).body == b""
    head_server = serve(reply_with(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"))
    head_client = UpstreamClient(head_server.url, timeout=2)
    assert head_client.request("HEAD", "/x", []).body == b""
    assert head_client.request("HEAD", "/x", []).status == 200  # nothing was left unread on the connection


def test_an_interim_100_continue_is_skipped(serve):
    server = serve(reply_with(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"))
    reply = UpstreamClient(server.url, timeout=2).request("POST", "/x", [("Content-Type", "application/json")], b"{}")
    assert (reply.status, reply.body) == (201, b"ok")
    assert server.requests[0].endswith(b"Content-Length: 2\r\n\r\n{}")


def test_a_connection_the_server_closed_while_idle_is_not_reused(serve):
    def answer_then_close(connection: socket.socket, _head: bytes) -> bool:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return False  # as gunicorn does when its keep-alive time runs out

    server = serve(answer_then_close)
    client = UpstreamClient(server.url, timeout=2)
    assert client.request("POST", "/x", [], b"1").body == b"ok"
    time.sleep(0.1)
    assert client.request("POST", "/x", [], b"2").body == b"ok"
    assert server.connections == 2 and len(server.requests) == 2


def _close_without_replying_to_the_second_request() -> Script:
    seen = {"count": 0}

    def script(connection: socket.socket, _head: bytes) -> bool:
        seen["count"] += 1
        if seen["count"] == 2:
            return False  # the close raced the request: nothing was answered
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True

    return script


def test_a_get_that_meets_a_closing_connection_is_sent_again_on_a_new_one(serve):
    server = serve(_close_without_replying_to_the_second_request())
    client = UpstreamClient(server.url, timeout=2)
    assert client.request("GET", "/x", []).body == b"ok"
    assert client.request("GET", "/x", []).body == b"ok"
    assert server.connections == 2 and len(server.requests) == 3


def test_a_post_that_meets_a_closing_connection_is_never_sent_twice(serve):
    server = serve(_close_without_replying_to_the_second_request())
    client = UpstreamClient(server.url, timeout=2)
    assert client.request("POST", "/x", [], b"1").body == b"ok"
    with pytest.raises(UpstreamError):
        client.request("POST", "/x", [], b"2")
    assert len(server.requests) == 2


def test_an_upstream_that_does_not_answer_in_time_is_an_error(serve):
    server = serve(lambda _connection, _head: (time.sleep(2), True)[1])
    client = UpstreamClient(server.url, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(UpstreamError):
        client.request("GET", "/slow", [])
    assert time.monotonic() - started < 1.5


def test_a_refused_connection_and_a_malformed_reply_are_errors(serve):
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(UpstreamError):
        UpstreamClient(f"http://127.0.0.1:{port}", timeout=1).request("GET", "/", [])
    garbage = serve(reply_with(b"SMTP ready\r\n\r\n"))
    with pytest.raises(UpstreamError):
        UpstreamClient(garbage.url, timeout=1).request("GET", "/", [])
    cut_short = serve(reply_with(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", keep_open=False))
    with pytest.raises(UpstreamError):
        UpstreamClient(cut_short.url, timeout=1).request("GET", "/", [])


def test_only_plain_http_upstreams_are_accepted():
    with pytest.raises(ValueError):
        UpstreamClient("https://accounts:8443")


def test_an_http_1_0_reply_is_not_reused_unless_it_asks_to_be(serve):
    plain = serve(reply_with(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"))
    client = UpstreamClient(plain.url, timeout=2)
    assert [client.request("GET", "/", []).body for _ in range(2)] == [b"ok", b"ok"]
    assert plain.connections == 2
    kept = serve(reply_with(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"))
    client = UpstreamClient(kept.url, timeout=2)
    assert [client.request("GET", "/", []).body for _ in range(2)] == [b"ok", b"ok"]
    assert kept.connections == 1


def test_a_negative_content_length_is_an_error(serve):
    server = serve(reply_with(b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n"))
    with pytest.raises(UpstreamError):
        UpstreamClient(server.url, timeout=1).request("GET", "/", [])

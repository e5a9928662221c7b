"""HTTP/1.1 to one upstream service over pooled keep-alive sockets.

The gateway forwards every API call, so the client's own cost is paid on every request: `requests` spent about
0.45 ms of CPU a call here (sessions, hooks, cookie jars, `email`-based header parsing), a plain socket exchange
about 0.05 ms. Upstreams are our own services under gunicorn, so the protocol needed is small: a request with
Content-Length, and a reply framed by Content-Length, chunked encoding or the connection closing.
"""

import select
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

_MAX_HEAD_BYTES = 64 * 1024
_RECV_BYTES = 64 * 1024
# gunicorn closes a keep-alive connection after 5 s idle; never reuse one that old, so we never race its close
_MAX_IDLE_SECONDS = 4.0
# a failure on a reused connection before any reply byte is the server having closed it: safe to retry these
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class UpstreamError(Exception):
    """The upstream could not be reached, or broke the exchange (no reply, malformed reply, timeout)."""


@dataclass
class UpstreamReply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class _StaleConnection(UpstreamError):
    """A pooled connection the server had already closed: nothing of the reply arrived."""


class _Connection:
    def __init__(self, host: str, port: int, timeout: float):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # readable while idle means end of file (the server closed it) or bytes nobody asked for
        self._poller = select.poll()
        self._poller.register(self.sock, select.POLLIN)
        self.buffer = b""
        self.last_used = time.monotonic()
        self.reused = False
        self.heard_back = False  # any byte of the current reply arrived

    def is_fresh(self, now: float) -> bool:
        """Young enough, and nothing to read."""
        if now - self.last_used > _MAX_IDLE_SECONDS or self.buffer:
            return False
        try:
            return not self._poller.poll(0)
        except OSError:
            return False

    def close(self) -> None:
        self.sock.close()

    def start_exchange(self) -> None:
        self.heard_back = False

    def _receive(self) -> bytes:
        chunk = self.sock.recv(_RECV_BYTES)
        if not chunk:
            if self.reused and not self.heard_back:
                raise _StaleConnection("closed before replying")
            raise UpstreamError("connection closed mid-reply")
        self.heard_back = True
        return chunk

    def read_until(self, marker: bytes) -> bytes:
        """What comes before `marker` (a head's blank line, a chunk line's end), consuming both."""
        while True:
            end = self.buffer.find(marker)
            if end >= 0:
                data, self.buffer = self.buffer[:end], self.buffer[end + len(marker) :]
                return data
            if len(self.buffer) > _MAX_HEAD_BYTES:
                raise UpstreamError("reply head or chunk line too long")
            self.buffer += self._receive()

    def read_exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self.buffer += self._receive()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def read_chunked(self) -> bytes:
        parts = []
        while True:
            size_line = self.read_until(b"\r\n").split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError as error:
                raise UpstreamError("malformed chunk size") from error
            if size == 0:
                while self.read_until(b"\r\n"):  # trailers, up to the empty line
                    pass
                return b"".join(parts)
            parts.append(self.read_exactly(size))
            if self.read_exactly(2) != b"\r\n":
                raise UpstreamError("malformed chunk")

    def read_to_close(self) -> bytes:
        parts = [self.buffer]
        self.buffer = b""
        while chunk := self.sock.recv(_RECV_BYTES):
            parts.append(chunk)
        return b"".join(parts)


class UpstreamClient:
    """One upstream (`http://host:port`): a LIFO pool of keep-alive connections shared by the worker's threads."""

    def __init__(self, base_url: str, timeout: float = 10.0, max_idle: int = 64):
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be http://host:port, not {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.host_header = parts.netloc
        self.timeout = timeout
        self.max_idle = max_idle
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()

    def request(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes = b"") -> UpstreamReply:
        """`target` is the path and query; `headers` must not carry hop-by-hop ones (Host, Content-Length, ...)."""
        message = self._encode(method, self.prefix + target, headers, body)
        while True:
            connection = self._checkout()
            try:
                reply, reusable = self._exchange(connection, method, message)
            except _StaleConnection:
                connection.close()
                if method in _IDEMPOTENT:
                    continue  # only a reused connection is stale, and the next one may be new
                raise UpstreamError("upstream closed the connection") from None
            except (OSError, UpstreamError) as error:
                connection.close()
                if isinstance(error, UpstreamError):
                    raise
                raise UpstreamError(str(error) or type(error).__name__) from error
            self._checkin(connection, reusable)
            return reply

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _encode(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host_header}"]
        lines.extend(f"{name}: {value}" for name, value in headers)
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head + body if body else head

    def _checkout(self) -> _Connection:
        now = time.monotonic()
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                try:
                    return _Connection(self.host, self.port, self.timeout)
                except OSError as error:
                    raise UpstreamError(f"cannot connect: {error}") from error
            if connection.is_fresh(now):
                connection.reused = True
                return connection
            connection.close()

    def _checkin(self, connection: _Connection, reusable: bool) -> None:
        connection.last_used = time.monotonic()
        if reusable:
            with self._lock:
                if len(self._idle) < self.max_idle:
                    self._idle.append(connection)
                    return
        connection.close()

    def _exchange(self, connection: _Connection, method: str, message: bytes) -> tuple[UpstreamReply, bool]:
        connection.start_exchange()
        try:
            connection.sock.sendall(message)
        except (BrokenPipeError, ConnectionResetError) as error:
            if connection.reused:
                raise _StaleConnection(str(error)) from error
            raise
        while True:
            try:
                head = connection.read_until(b"\r\n\r\n")
            except ConnectionResetError as error:
                if connection.reused and not connection.heard_back:
                    raise _StaleConnection(str(error)) from error
                raise
            version, status, headers = _parse_head(head)
            if status >= 200 or status == 101:
                break  # 1xx interim replies (100 Continue) come before the real one
        names = {name.lower(): value for name, value in headers}
        connection_header = names.get("connection", "").lower()
        if version == "HTTP/1.0":
            keep_alive = "keep-alive" in connection_header
        else:
            keep_alive = "close" not in connection_header and status != 101  # a switched protocol is not HTTP
        if method == "HEAD" or status in (204, 304) or status < 200:
            body = b""
        elif "chunked" in names.get("transfer-encoding", "").lower():
            body = connection.read_chunked()
        elif "content-length" in names:
            length = names["content-length"]
            if not length.isdigit():
                raise UpstreamError("malformed Content-Length")
            body = connection.read_exactly(int(length))
        else:
            body = connection.read_to_close()
            keep_alive = False
        return UpstreamReply(status, headers, body), keep_alive


def _parse_head(head: bytes) -> tuple[str, int, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    status_line = lines[0].split(" ", 2)
    if len(status_line) < 2 or not status_line[0].startswith("HTTP/1.") or not status_line[1].isdigit():
        raise UpstreamError("malformed status line")
    headers = []
    for line in lines[1:]:
        name, separator, value = line.partition(":")
        if not separator:
            raise UpstreamError("malformed header line")
        headers.append((name.strip(), value.strip()))
    return status_line[0], int(status_line[1]), headers

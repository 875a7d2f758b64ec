"""Where a webhook may go: http(s) to a public address only, checked when the URL is saved and again
at every delivery (server-side request forgery: an endpoint must not reach the company's own network,
the cloud's metadata service at 169.254.169.254, or this server's loopback).

At delivery the host is resolved once, every address it resolves to is checked, and the connection
goes to the checked address (the Host header and TLS name stay the URL's host): a DNS answer that
changes between the check and the connect (rebinding) cannot move the request. Redirects are not
followed. settings.PROPDESK_WEBHOOK_ALLOW_PRIVATE (development, the tests' local receiver) lets
private addresses through; the scheme is always checked."""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

SCHEMES = {"http": 80, "https": 443}


class UnsafeAddress(Exception):
    """A URL this server must not call; the message says why, in the user's words."""


def allow_private() -> bool:
    return bool(getattr(settings, "PROPDESK_WEBHOOK_ALLOW_PRIVATE", False))


def timeout() -> float:
    return float(getattr(settings, "PROPDESK_WEBHOOK_TIMEOUT", 5))


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _split(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        raise UnsafeAddress(_("接收地址格式不正确。")) from None
    if parts.scheme not in SCHEMES:
        raise UnsafeAddress(_("接收地址必须以 http:// 或 https:// 开头。"))
    if not parts.hostname:
        raise UnsafeAddress(_("接收地址缺少主机名。"))
    return parts.scheme, parts.hostname, port or SCHEMES[parts.scheme]


def resolve(host: str, port: int) -> str:
    """The address to connect to: every address `host` resolves to must be allowed; the first is used."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeAddress(_("无法解析主机名 %(host)s。") % {"host": host}) from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise UnsafeAddress(_("无法解析主机名 %(host)s。") % {"host": host})
    if not allow_private():
        bad = [a for a in addresses if not is_public(a)]
        if bad:
            raise UnsafeAddress(
                _("接收地址指向内网、本机或保留地址（%(address)s），出于安全考虑不允许。") % {"address": bad[0]}
            )
    return addresses[0]


def check_url(url: str) -> str:
    """The address `url` would be sent to, or UnsafeAddress."""
    _scheme, host, port = _split(url)
    return resolve(host, port)


# ---------------------------------------------------------------- the POST


@dataclass
class Answer:
    status: int
    body: str
    duration_ms: int


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict, *, excerpt: int = 2048) -> Answer:
    """POST `body` to `url` at its checked address, with a connect and read timeout; the answer's
    first `excerpt` characters are kept. Raises UnsafeAddress or an OSError / HTTPException."""
    scheme, host, port = _split(url)
    address = resolve(host, port)
    parts = urlsplit(url.strip())
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    started = time.monotonic()
    conn = kind(host, port, address, timeout=timeout())
    try:
        conn.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = conn.getresponse()
        raw = response.read(excerpt * 4)
    finally:
        conn.close()
    text = raw.decode("utf-8", errors="replace")[:excerpt]
    return Answer(status=response.status, body=text, duration_ms=int((time.monotonic() - started) * 1000))

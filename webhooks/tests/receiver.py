"""A local HTTP receiver for the webhook tests and the benchmark: it checks each POST's signature and
timestamp as a real receiver should (the user guide's recipe), records what came, and answers 500 the
first `fail_first` times, or hangs for `hang` seconds."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret: str, headers, body: bytes, tolerance: int = 300) -> bool:
    """The receiver's side: sha256=HMAC(secret, "<timestamp>.<body>"), a timestamp within `tolerance` s."""
    timestamp = headers.get("X-PropDesk-Timestamp", "")
    signature = headers.get("X-PropDesk-Signature", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature, f"sha256={expected}")


class Receiver:
    def __init__(self, secret: str = "", fail_first: int = 0, hang: float = 0.0, status: int = 200):
        self.secret, self.fail_first, self.hang, self.status = secret, fail_first, hang, status
        self.received: list[dict] = []  # every POST: headers, body, whether its signature held
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK wait

            def do_POST(self):  # noqa: N802 -- http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    n = len(receiver.received)
                    receiver.received.append(
                        {
                            "headers": dict(self.headers),
                            "body": body,
                            "json": json.loads(body or b"null"),
                            "signed": verify(receiver.secret, self.headers, body) if receiver.secret else None,
                            "path": self.path,
                        }
                    )
                if receiver.hang:
                    time.sleep(receiver.hang)
                code = 500 if n < receiver.fail_first else receiver.status
                answer = b'{"ok": false}' if code >= 400 else b'{"ok": true}'
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

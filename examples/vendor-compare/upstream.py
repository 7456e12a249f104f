"""The plumbing both example vendor services share (standard library only): an HTTP server
on loopback, the body of a request (plain or chunked), and calls to the `nhikit serve` behind
the service. The vendor dialects themselves are in legacy_vendor.py and new_vendor.py."""

import http.server
import json
import os
import sys
import urllib.error
import urllib.request


class Upstream:
    """The `nhikit serve` a vendor service stands in front of (its URL and bearer token)."""

    def __init__(self, url, token):
        self.url = url.rstrip("/")
        self.token = token

    def _send(self, path, body, content_type, accept):
        req = urllib.request.Request(
            self.url + path,
            data=body,
            method="POST",
            headers={
                "Content-Type": content_type,
                "Accept": accept,
                "Authorization": "Bearer " + self.token,
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read()

    def call(self, op, request):
        """One operation of the target interface: (ok, the response JSON or the error JSON)."""
        status, _, body = self._send(
            "/v1/" + op, json.dumps(request).encode(), "application/json", "application/json"
        )
        try:
            value = json.loads(body)
        except ValueError:
            value = {"code": "storage", "message": "upstream answered HTTP %d" % status}
        return 200 <= status < 300, value

    def raw(self, op, body, content_type, accept):
        """`import` (a tar upload) or `export` (a tar download), passed through as bytes."""
        return self._send("/v1/" + op, body, content_type, accept)


def read_body(handler):
    """The request body, with or without `Transfer-Encoding: chunked`."""
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        out = bytearray()
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(out)
            out += handler.rfile.read(size)
            handler.rfile.readline()
    return handler.rfile.read(int(handler.headers.get("Content-Length", "0")))


def reply(handler, status, body, content_type="application/json; charset=utf-8"):
    if not isinstance(body, bytes):
        body = json.dumps(body, ensure_ascii=False).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def serve(handler_class, name):
    """Runs the service: `--port N` (0: any free port), `--upstream URL` (the `nhikit serve`);
    the upstream token is `NHIKIT_TOKEN`. Prints `listening on http://127.0.0.1:PORT`."""
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    handler_class.upstream = Upstream(
        args.get("--upstream", "http://127.0.0.1:8080"), os.environ.get("NHIKIT_TOKEN", "")
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(args.get("--port", "0"))), handler_class)
    server.daemon_threads = True
    print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    print("%s in front of %s" % (name, handler_class.upstream.url), file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


class Quiet(http.server.BaseHTTPRequestHandler):
    """A handler that logs nothing per request and speaks HTTP/1.1."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

#!/usr/bin/env python3
"""The loopback HTTP server of t/0007-http.t: listens on 127.0.0.1, an
ephemeral port, prints the port on stdout, and serves until killed (or
for 5 minutes at most).  HTTP/1.1 with keep-alive.

/hello      200 "hello world\\n", X-Dup twice, X-Case
/echo       the method, a newline, the request body
/headers    the request's header lines
/missing    404
/redirect   302 to /hello (with a header of its own)
/short      Content-Length: 100, 10 bytes, then the connection closes
/badchunk   a broken chunked encoding
/slow?ms=N  sleeps N ms, then 200 "slow"
/port       the client's port (the same on a kept connection)
/gzip       a gzip-encoded body, when the client accepts it
"""
import gzip
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def serve(self):
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        p = u.path
        if p == "/hello":
            self.reply(200, b"hello world\n", [("X-Dup", "one"),
                       ("X-Case", "  Mixed Value  "), ("x-dup", "two")])
        elif p == "/echo":
            self.reply(200, self.command.encode() + b"\n" + body)
        elif p == "/headers":
            self.reply(200, str(self.headers).encode())
        elif p == "/missing":
            self.reply(404, b"no such thing\n")
        elif p == "/redirect":
            self.reply(302, b"", [("Location", "/hello"),
                       ("X-Redirect", "yes")])
        elif p == "/short":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            self.close_connection = True
        elif p == "/badchunk":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"5\r\nhello\r\nzz\r\nmore\r\n")
            self.wfile.flush()
            self.close_connection = True
        elif p == "/slow":
            time.sleep(int(q.get("ms", ["1000"])[0]) / 1000)
            self.reply(200, b"slow " + q.get("id", [""])[0].encode())
        elif p == "/port":
            self.reply(200, str(self.client_address[1]).encode())
        elif p == "/gzip":
            if "gzip" in self.headers.get("Accept-Encoding", ""):
                self.reply(200, gzip.compress(b"unzipped\n"),
                           [("Content-Encoding", "gzip")])
            else:
                self.reply(200, b"unzipped\n")
        else:
            self.reply(404, b"")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = serve

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64     # 5 drops SYNs: a second's wait to connect

    def handle_error(self, request, client_address):
        pass


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    stop = threading.Timer(300, lambda: os._exit(1))
    stop.daemon = True
    stop.start()
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

# A small web app: /health answers ok while its session store (Redis) answers PING.
import os, socket
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

REDIS_PORT = int(os.environ["SESSIONS_PORT"])

def redis_ok():
    try:
        with socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=0.3) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False

class H(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            ok = redis_ok()
            body = b'"ok"' if ok else b'"sessions unavailable"'
            self.send_response(200 if ok else 503)
        else:
            body = b"hello"
            self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass

ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()

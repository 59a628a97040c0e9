#!/usr/bin/python3
"""The netns test host: HTTP on one port, TCP echo on another, both on the given address."""
import http.server
import socketserver
import sys
import threading

ip, http_port, echo_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello from %s\n" % ip).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)
            self.wfile.flush()


class Threaded(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class ThreadedHttp(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


web = ThreadedHttp((ip, http_port), Hello)
echo = Threaded((ip, echo_port), Echo)
threading.Thread(target=echo.serve_forever, daemon=True).start()
print("ready", flush=True)
web.serve_forever()

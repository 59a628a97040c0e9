#!/usr/bin/python3
"""The netns test host: HTTP on one port, TCP echo on another, on each of the given addresses (comma-separated)."""
import http.server
import socket
import socketserver
import sys
import threading

ips, http_port, echo_port = sys.argv[1].split(","), int(sys.argv[2]), int(sys.argv[3])


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello from %s\n" % self.server.server_address[0]).encode()
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


servers = []
for ip in ips:
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    for cls, port, handler in ((ThreadedHttp, http_port, Hello), (Threaded, echo_port, Echo)):
        server_class = type(cls.__name__ + str(family), (cls,), {"address_family": family})
        servers.append(server_class((ip, port), handler))
def udp53(ip):
    """Logs every datagram to port 53: a query that reached this host instead of cordon's proxy."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    u = socket.socket(family, socket.SOCK_DGRAM)
    u.bind((ip, 53))
    while True:
        data, peer = u.recvfrom(65535)
        print("udp53 %d bytes from %s" % (len(data), peer[0]), flush=True)


for s in servers:
    threading.Thread(target=s.serve_forever, daemon=True).start()
for ip in ips:
    threading.Thread(target=udp53, args=(ip,), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()

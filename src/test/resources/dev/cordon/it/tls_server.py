#!/usr/bin/python3
"""tls_server.py ADDR CERT KEY: an HTTPS server on ADDR and a free port (printed first, "port N").
Every GET is answered "hello NAME over TLSvX" (NAME: the SNI the client sent, else -)."""
import http.server
import socket
import ssl
import sys

addr, cert, key = sys.argv[1], sys.argv[2], sys.argv[3]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello %s over %s\n" % (getattr(self.connection, "sni", None) or "-", self.connection.version())).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    daemon_threads = True


def remember_sni(sock, name, context):
    sock.sni = name


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(cert, key)
ctx.sni_callback = remember_sni
server = Server((addr, 0), Handler)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
print("port %d" % server.server_address[1], flush=True)
server.serve_forever()

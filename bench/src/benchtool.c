// benchtool: the small measuring client and servers of bench/run. Every mode prints one JSON object.
// C, not Python: the connect and sendto costs we compare are a few microseconds.
//   listen-tcp ADDR PORT              accept and close until killed (the connect target)
//   listen-udp ADDR PORT              bind and never read (a sink: sendto succeeds, the kernel drops)
//   connect ADDR PORT N               N TCP connects (RST on close: no TIME_WAIT), each timed
//   connect-fail ADDR PORT N MS       N connects expected to fail; time to failure, capped at MS
//   sendto ADDR PORT SECONDS SIZE     unconnected UDP sendto() loop: datagrams per second
//   dnsq SERVER PORT NAME N MS        N sequential A queries (fresh id each); time to any answer, capped at MS
//   listen-http ADDR PORT             accept, read a request head, answer a small HTTP response, close
//   request ADDR PORT N HOST          N times: connect, send a GET with Host: HOST, read the answer; each timed
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "benchtool: %s: %s\n", what, strerror(errno));
	exit(2);
}

static struct sockaddr_in addr_of(const char *ip, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
		fprintf(stderr, "benchtool: bad IPv4 address %s\n", ip);
		exit(2);
	}
	return a;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t pct(uint64_t *v, long n, double p)
{
	long i = (long)(p * (n - 1) + 0.5);
	return n ? v[i] : 0;
}

// Latencies in microseconds, plus what failed and how.
static void print_lat(uint64_t *v, long n, long errors, int last_errno, const char *extra)
{
	double sum = 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (long i = 0; i < n; i++)
		sum += v[i];
	printf("{\"n\":%ld,\"errors\":%ld,\"errno\":\"%s\",\"min_us\":%.3f,\"p50_us\":%.3f,\"p90_us\":%.3f,"
	       "\"p99_us\":%.3f,\"max_us\":%.3f,\"mean_us\":%.3f%s}\n",
	       n, errors, last_errno ? strerrorname_np(last_errno) : "", n ? v[0] / 1e3 : 0, pct(v, n, .5) / 1e3,
	       pct(v, n, .9) / 1e3, pct(v, n, .99) / 1e3, n ? v[n - 1] / 1e3 : 0, n ? sum / n / 1e3 : 0,
	       extra ? extra : "");
}

// A TCP socket that close() resets (SO_LINGER 0): a loop of many connects leaves no TIME_WAIT behind.
static int tcp_socket_reset_on_close(void)
{
	struct linger lg = { 1, 0 };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	return s;
}

// A listening TCP socket on a, announced on stdout for the harness, which waits for that line.
static int listening_tcp(struct sockaddr_in a)
{
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4096))
		die("bind/listen");
	printf("{\"listening\":true}\n");
	fflush(stdout);
	return s;
}

static int listen_tcp(struct sockaddr_in a)
{
	int s = listening_tcp(a);
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c >= 0)
			close(c);
	}
}

static const char HTTP_OK[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";

// One connection at a time: the request client is sequential too.
static int listen_http(struct sockaddr_in a)
{
	int s = listening_tcp(a);
	char buf[4096];
	for (;;) {
		int c = accept(s, NULL, NULL);
		size_t got = 0;
		if (c < 0)
			continue;
		while (got < sizeof(buf) - 1) {
			ssize_t r = read(c, buf + got, sizeof(buf) - 1 - got);
			if (r <= 0)
				break;
			got += r;
			buf[got] = 0;
			if (strstr(buf, "\r\n\r\n"))
				break;
		}
		if (write(c, HTTP_OK, sizeof(HTTP_OK) - 1) < 0) {
			// the client went away: nothing to answer
		}
		close(c);
	}
}

// What a client pays per connection for its first request: connect, send, the answer's first bytes.
static int do_request(struct sockaddr_in a, long n, const char *host)
{
	uint64_t *v = calloc(n, sizeof(*v));
	long ok = 0, errors = 0;
	int last = 0;
	char req[512], buf[512];
	int len = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: benchtool\r\nAccept: */*\r\n\r\n", host);
	for (long i = 0; i < n; i++) {
		int s = tcp_socket_reset_on_close();
		uint64_t t0 = now_ns();
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) || write(s, req, len) != len || read(s, buf, sizeof(buf)) <= 0) {
			errors++, last = errno;
		} else {
			v[ok++] = now_ns() - t0;
		}
		close(s);
	}
	print_lat(v, ok, errors, last, NULL);
	return ok ? 0 : 1;
}

static int listen_udp(struct sockaddr_in a)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)))
		die("bind udp");
	printf("{\"listening\":true}\n");
	fflush(stdout);
	for (;;)
		pause();
}

static int do_connect(struct sockaddr_in a, long n)
{
	uint64_t *v = calloc(n, sizeof(*v));
	long ok = 0, errors = 0;
	int last = 0;
	for (long i = 0; i < n; i++) {
		int s = tcp_socket_reset_on_close();
		uint64_t t0 = now_ns();
		int r = connect(s, (struct sockaddr *)&a, sizeof(a));
		uint64_t t1 = now_ns();
		if (r == 0)
			v[ok++] = t1 - t0;
		else
			errors++, last = errno;
		close(s);
	}
	print_lat(v, ok, errors, last, NULL);
	return ok ? 0 : 1;
}

// A failure is what we time here: EPERM from a hook, or the cap for a dropped SYN.
static int do_connect_fail(struct sockaddr_in a, long n, int cap_ms)
{
	uint64_t *v = calloc(n, sizeof(*v));
	long timeouts = 0, connected = 0;
	int last = 0;
	for (long i = 0; i < n; i++) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (s < 0)
			die("socket");
		uint64_t t0 = now_ns();
		int r = connect(s, (struct sockaddr *)&a, sizeof(a));
		if (r < 0 && errno == EINPROGRESS) {
			struct pollfd p = { .fd = s, .events = POLLOUT };
			int pr = poll(&p, 1, cap_ms);
			if (pr == 0) {
				timeouts++;
				last = ETIMEDOUT;
			} else {
				int err = 0;
				socklen_t len = sizeof(err);
				getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
				if (err)
					last = err;
				else
					connected++;
			}
		} else if (r < 0) {
			last = errno;
		} else {
			connected++;
		}
		v[i] = now_ns() - t0;
		close(s);
	}
	char extra[96];
	snprintf(extra, sizeof(extra), ",\"timeouts\":%ld,\"connected\":%ld,\"cap_ms\":%d", timeouts, connected, cap_ms);
	print_lat(v, n, n - connected, last, extra);
	return 0;
}

static int do_sendto(struct sockaddr_in a, double seconds, int size)
{
	char buf[65536] = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	long sent = 0, errors = 0;
	int last = 0;
	if (s < 0)
		die("socket");
	if (size > (int)sizeof(buf))
		size = sizeof(buf);
	uint64_t end = now_ns() + (uint64_t)(seconds * 1e9), t0 = now_ns(), t;
	// Check the clock every 256 sends: the loop is bounded by time, and the check stays cheap.
	do {
		for (int i = 0; i < 256; i++) {
			if (sendto(s, buf, size, 0, (struct sockaddr *)&a, sizeof(a)) == size)
				sent++;
			else
				errors++, last = errno;
		}
		t = now_ns();
	} while (t < end);
	printf("{\"sent\":%ld,\"errors\":%ld,\"errno\":\"%s\",\"seconds\":%.6f,\"pps\":%.1f}\n", sent, errors,
	       last ? strerrorname_np(last) : "", (t - t0) / 1e9, sent / ((t - t0) / 1e9));
	return sent ? 0 : 1;
}

static int put_name(unsigned char *p, const char *name)
{
	int n = 0;
	while (*name) {
		const char *dot = strchr(name, '.');
		int len = dot ? (int)(dot - name) : (int)strlen(name);
		if (len == 0 || len > 63)
			break;
		p[n++] = (unsigned char)len;
		memcpy(p + n, name, len);
		n += len;
		name += len + (dot ? 1 : 0);
	}
	p[n++] = 0;
	return n;
}

static int do_dnsq(struct sockaddr_in a, const char *name, long n, int cap_ms)
{
	uint64_t *v = calloc(n, sizeof(*v));
	long timeouts = 0, nxdomain = 0, answered = 0;
	unsigned char q[512], r[4096];
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		die("socket");
	srandom((unsigned)now_ns());
	for (long i = 0; i < n; i++) {
		uint16_t id = (uint16_t)random();
		int len = 12;
		memset(q, 0, 12);
		q[0] = id >> 8, q[1] = id & 255, q[2] = 1 /* RD */, q[5] = 1 /* QDCOUNT */;
		len += put_name(q + len, name);
		q[len++] = 0, q[len++] = 1, q[len++] = 0, q[len++] = 1; // A, IN
		uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)cap_ms * 1000000ull;
		if (sendto(s, q, len, 0, (struct sockaddr *)&a, sizeof(a)) != len)
			die("sendto");
		int got = 0;
		for (;;) { // bounded by the deadline; answers to earlier (timed-out) ids are skipped
			uint64_t t = now_ns();
			if (t >= deadline)
				break;
			struct pollfd p = { .fd = s, .events = POLLIN };
			if (poll(&p, 1, (int)((deadline - t) / 1000000ull) + 1) <= 0)
				continue;
			ssize_t m = recv(s, r, sizeof(r), 0);
			if (m >= 12 && r[0] == (id >> 8) && r[1] == (id & 255)) {
				got = 1;
				if ((r[3] & 15) == 3)
					nxdomain++;
				else
					answered++;
				break;
			}
		}
		if (!got)
			timeouts++;
		v[i] = now_ns() - t0;
	}
	char extra[128];
	snprintf(extra, sizeof(extra), ",\"timeouts\":%ld,\"nxdomain\":%ld,\"answered\":%ld,\"cap_ms\":%d", timeouts,
		 nxdomain, answered, cap_ms);
	print_lat(v, n, timeouts, 0, extra);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && !strcmp(argv[1], "listen-tcp"))
		return listen_tcp(addr_of(argv[2], argv[3]));
	if (argc >= 4 && !strcmp(argv[1], "listen-udp"))
		return listen_udp(addr_of(argv[2], argv[3]));
	if (argc >= 5 && !strcmp(argv[1], "connect"))
		return do_connect(addr_of(argv[2], argv[3]), atol(argv[4]));
	if (argc >= 6 && !strcmp(argv[1], "connect-fail"))
		return do_connect_fail(addr_of(argv[2], argv[3]), atol(argv[4]), atoi(argv[5]));
	if (argc >= 6 && !strcmp(argv[1], "sendto"))
		return do_sendto(addr_of(argv[2], argv[3]), atof(argv[4]), atoi(argv[5]));
	if (argc >= 7 && !strcmp(argv[1], "dnsq"))
		return do_dnsq(addr_of(argv[2], argv[3]), argv[4], atol(argv[5]), atoi(argv[6]));
	if (argc >= 4 && !strcmp(argv[1], "listen-http"))
		return listen_http(addr_of(argv[2], argv[3]));
	if (argc >= 6 && !strcmp(argv[1], "request"))
		return do_request(addr_of(argv[2], argv[3]), atol(argv[4]), argv[5]);
	fprintf(stderr, "usage: benchtool listen-tcp|listen-udp|connect|connect-fail|sendto|dnsq|listen-http|request ... (see source)\n");
	return 2;
}

/*
 * Network client for the bypass suite: the system calls python3 cannot make.
 *
 *   bypass SPEC...
 *   SPEC = mmsg:HOST:PORT:N            N datagrams in one sendmmsg() on an unconnected UDP socket
 *        | mmsg-dns:HOST:PORT:N1,N2..  one DNS A query per name in one sendmmsg(), then the answers
 *        | uring-connect:HOST:PORT     TCP connect submitted through io_uring (IORING_OP_CONNECT)
 *        | uring-sendmsg:HOST:PORT     UDP datagram through io_uring (IORING_OP_SENDMSG, unconnected)
 *        | uring-socket:HOST:PORT      socket and connect both through io_uring (IORING_OP_SOCKET)
 *
 * Prints "PID n" and "CGROUP path", then per SPEC the same line as netclient.py:
 *     RESULT spec=SPEC op=OP errno=N elapsed_us=N strerror=TEXT
 * and for mmsg-dns one "ANSWER name=NAME rcode=N answers=N" per reply received (2 s bound).
 * Exit status: 0 if every attempt succeeded, else the errno of the first failure (EPERM = 1).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_MSGS 16

static long now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000L + t.tv_nsec / 1000;
}

static int report(const char *spec, const char *op, int err, long start) {
    printf("RESULT spec=%s op=%s errno=%d elapsed_us=%ld strerror=%s\n", spec, op, err, now_us() - start,
           err > 0 ? strerror(err) : "-");
    fflush(stdout);
    return err;
}

/* HOST:PORT[:REST] into a socket address; *rest points after the port's colon, or NULL. */
static int parse_addr(char *hostport, struct sockaddr_storage *ss, socklen_t *len, char **rest) {
    char *host = hostport, *port;
    if (*host == '[') { /* not used by the tests; IPv6 hosts are written bare */
        return -1;
    }
    int v6 = 0;
    /* An IPv6 host contains ':'; the port is then the last (or second-to-last) field. */
    int colons = 0;
    for (char *p = hostport; *p; p++) colons += *p == ':';
    char *sep;
    if (rest != NULL && colons >= 2) {
        /* HOST:PORT:REST with HOST possibly v6: REST and PORT are the last two fields. */
        char *last = strrchr(hostport, ':');
        *last = 0;
        *rest = last + 1;
        sep = strrchr(hostport, ':');
    } else {
        if (rest) *rest = NULL;
        sep = strrchr(hostport, ':');
    }
    if (sep == NULL) return -1;
    *sep = 0;
    port = sep + 1;
    v6 = strchr(host, ':') != NULL;
    memset(ss, 0, sizeof(*ss));
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(atoi(port));
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) return -1;
        *len = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(atoi(port));
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1) return -1;
        *len = sizeof(*a);
    }
    return 0;
}

/* ---- sendmmsg ---------------------------------------------------------------------------- */

static int send_all(int fd, struct mmsghdr *msgs, int n) {
    int sent = 0;
    while (sent < n) {
        int r = sendmmsg(fd, msgs + sent, n - sent, 0);
        if (r < 0) return errno;
        sent += r;
    }
    return 0;
}

static int do_mmsg(const char *spec, char *arg) {
    struct sockaddr_storage ss;
    socklen_t len;
    char *count;
    long start = now_us();
    if (parse_addr(arg, &ss, &len, &count) || count == NULL) return report(spec, "parse", EINVAL, start);
    int n = atoi(count);
    if (n < 1 || n > MAX_MSGS) return report(spec, "parse", EINVAL, start);
    int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
    if (fd < 0) return report(spec, "socket", errno, start);
    char payload[MAX_MSGS][64];
    struct iovec iov[MAX_MSGS];
    struct mmsghdr msgs[MAX_MSGS];
    memset(msgs, 0, sizeof(msgs));
    for (int i = 0; i < n; i++) {
        int l = snprintf(payload[i], sizeof(payload[i]), "mmsg %d from %d\n", i, getpid());
        iov[i] = (struct iovec){payload[i], (size_t)l};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &ss;
        msgs[i].msg_hdr.msg_namelen = len;
    }
    int err = send_all(fd, msgs, n);
    close(fd);
    return report(spec, "sendmmsg", err, start);
}

static size_t dns_query(uint8_t *buf, uint16_t id, const char *name) {
    size_t o = 0;
    buf[o++] = id >> 8; buf[o++] = id & 0xff;
    buf[o++] = 0x01; buf[o++] = 0x00;             /* RD */
    buf[o++] = 0; buf[o++] = 1;                   /* QDCOUNT 1 */
    memset(buf + o, 0, 6); o += 6;
    const char *p = name;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        if (l == 0 || l > 63) break;
        buf[o++] = (uint8_t)l;
        memcpy(buf + o, p, l); o += l;
        p += l;
        if (*p == '.') p++;
    }
    buf[o++] = 0;
    buf[o++] = 0; buf[o++] = 1;                   /* A */
    buf[o++] = 0; buf[o++] = 1;                   /* IN */
    return o;
}

static int do_mmsg_dns(const char *spec, char *arg) {
    struct sockaddr_storage ss;
    socklen_t len;
    char *names;
    long start = now_us();
    if (parse_addr(arg, &ss, &len, &names) || names == NULL) return report(spec, "parse", EINVAL, start);
    char *list[MAX_MSGS];
    int n = 0;
    for (char *tok = strtok(names, ","); tok && n < MAX_MSGS; tok = strtok(NULL, ",")) list[n++] = tok;
    int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
    if (fd < 0) return report(spec, "socket", errno, start);
    uint8_t q[MAX_MSGS][300];
    struct iovec iov[MAX_MSGS];
    struct mmsghdr msgs[MAX_MSGS];
    memset(msgs, 0, sizeof(msgs));
    uint16_t base = (uint16_t)(getpid() * 31);
    for (int i = 0; i < n; i++) {
        size_t l = dns_query(q[i], (uint16_t)(base + i), list[i]);
        iov[i] = (struct iovec){q[i], l};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &ss;
        msgs[i].msg_hdr.msg_namelen = len;
    }
    int err = send_all(fd, msgs, n);
    if (err == 0) {
        int got = 0;
        long deadline = now_us() + 2000000L;
        while (got < n && now_us() < deadline) {
            struct pollfd p = {fd, POLLIN, 0};
            if (poll(&p, 1, (int)((deadline - now_us()) / 1000) + 1) <= 0) break;
            uint8_t a[1500];
            ssize_t r = recv(fd, a, sizeof(a), 0);
            if (r < 12) continue;
            uint16_t id = (uint16_t)(a[0] << 8 | a[1]);
            int i = (uint16_t)(id - base);
            if (i < 0 || i >= n) continue;
            printf("ANSWER name=%s rcode=%d answers=%d\n", list[i], a[3] & 0x0f, a[6] << 8 | a[7]);
            got++;
        }
        if (got < n) err = ETIMEDOUT;
    }
    close(fd);
    return report(spec, "sendmmsg", err, start);
}

/* ---- io_uring, by raw system calls (no liburing on a fresh machine) ---------------------------- */

struct ring {
    int fd;
    unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
};

static int ring_open(struct ring *r) {
    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    r->fd = (int)syscall(__NR_io_uring_setup, 4, &p);
    if (r->fd < 0) return errno;
    size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    size_t len = sq_len > cq_len ? sq_len : cq_len; /* IORING_FEAT_SINGLE_MMAP: one mapping for both */
    uint8_t *sq = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
    if (sq == MAP_FAILED) return errno;
    r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                   r->fd, IORING_OFF_SQES);
    if (r->sqes == MAP_FAILED) return errno;
    r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
    r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
    r->sq_array = (unsigned *)(sq + p.sq_off.array);
    r->cq_head = (unsigned *)(sq + p.cq_off.head);
    r->cq_tail = (unsigned *)(sq + p.cq_off.tail);
    r->cq_mask = (unsigned *)(sq + p.cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe *)(sq + p.cq_off.cqes);
    return 0;
}

/* Submits one prepared SQE and waits for its completion; returns the CQE's res (-errno on failure). */
static int ring_run(struct ring *r, const struct io_uring_sqe *sqe) {
    unsigned tail = *r->sq_tail, idx = tail & *r->sq_mask;
    r->sqes[idx] = *sqe;
    r->sq_array[idx] = idx;
    __atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
    if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) return -errno;
    unsigned head = __atomic_load_n(r->cq_head, __ATOMIC_ACQUIRE);
    if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) return -EIO;
    int res = r->cqes[head & *r->cq_mask].res;
    __atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
    return res;
}

static int do_uring(const char *spec, char *arg, int op) {
    struct sockaddr_storage ss;
    socklen_t len;
    long start = now_us();
    if (parse_addr(arg, &ss, &len, NULL)) return report(spec, "parse", EINVAL, start);
    struct ring r;
    int err = ring_open(&r);
    if (err) return report(spec, "io_uring_setup", err, start);
    int type = op == IORING_OP_SENDMSG ? SOCK_DGRAM : SOCK_STREAM;
    struct io_uring_sqe sqe;
    int fd;
    if (op == IORING_OP_SOCKET) {
        memset(&sqe, 0, sizeof(sqe));
        sqe.opcode = IORING_OP_SOCKET;
        sqe.fd = ss.ss_family;
        sqe.off = type;
        int res = ring_run(&r, &sqe);
        if (res < 0) return report(spec, "uring-socket", -res, start);
        fd = res;
        op = IORING_OP_CONNECT;
    } else {
        fd = socket(ss.ss_family, type, 0);
        if (fd < 0) return report(spec, "socket", errno, start);
    }
    char payload[64];
    int plen = snprintf(payload, sizeof(payload), "hello from %d\n", getpid());
    struct iovec iov = {payload, (size_t)plen};
    struct msghdr msg = {.msg_name = &ss, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1};
    memset(&sqe, 0, sizeof(sqe));
    sqe.opcode = (uint8_t)op;
    sqe.fd = fd;
    if (op == IORING_OP_CONNECT) {
        sqe.addr = (uint64_t)(uintptr_t)&ss;
        sqe.off = len; /* addrlen travels in the offset field */
    } else {
        sqe.addr = (uint64_t)(uintptr_t)&msg;
        sqe.len = 1;
    }
    int res = ring_run(&r, &sqe);
    const char *name = op == IORING_OP_CONNECT ? "uring-connect" : "uring-sendmsg";
    if (res >= 0 && op == IORING_OP_CONNECT && write(fd, payload, plen) < 0) res = -errno;
    close(fd);
    close(r.fd);
    return report(spec, name, res < 0 ? -res : 0, start);
}

int main(int argc, char **argv) {
    printf("PID %d\n", getpid());
    FILE *cg = fopen("/proc/self/cgroup", "r");
    char line[512];
    while (cg && fgets(line, sizeof(line), cg)) {
        if (strncmp(line, "0::", 3) == 0) {
            line[strcspn(line, "\n")] = 0;
            printf("CGROUP %s\n", line + 3);
        }
    }
    if (cg) fclose(cg);
    fflush(stdout);
    int first = 0;
    for (int i = 1; i < argc; i++) {
        char copy[1024];
        snprintf(copy, sizeof(copy), "%s", argv[i]);
        char *colon = strchr(copy, ':');
        if (colon == NULL) { fprintf(stderr, "bad spec %s\n", argv[i]); return 2; }
        *colon = 0;
        char *arg = colon + 1;
        int err;
        if (strcmp(copy, "mmsg") == 0) err = do_mmsg(argv[i], arg);
        else if (strcmp(copy, "mmsg-dns") == 0) err = do_mmsg_dns(argv[i], arg);
        else if (strcmp(copy, "uring-connect") == 0) err = do_uring(argv[i], arg, IORING_OP_CONNECT);
        else if (strcmp(copy, "uring-sendmsg") == 0) err = do_uring(argv[i], arg, IORING_OP_SENDMSG);
        else if (strcmp(copy, "uring-socket") == 0) err = do_uring(argv[i], arg, IORING_OP_SOCKET);
        else { fprintf(stderr, "unknown spec %s\n", argv[i]); return 2; }
        if (err && !first) first = err;
    }
    return first;
}

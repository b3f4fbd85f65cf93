/*
 * latgen: open-loop TCP echo load generator (wrk2's method: no coordinated omission).
 *
 * Message k of S bytes is due at t0 + k/R and goes out on connection k mod C as soon as it is due, whatever that
 * connection still has outstanding (messages pipeline; the echo comes back in order, so the n-th S bytes received
 * answer the n-th message sent). Its latency runs from when it was *due*, not from when it went out: a server (or
 * client) stall is charged to every message it delayed, as a user sending at a fixed rate would see it.
 * One thread, epoll, non-blocking sockets; between sends it sleeps in epoll_pwait2 with a nanosecond timeout and
 * 1 ns timer slack. Messages due in the warm-up are not counted. After the last due time it waits up to 2 s for the
 * outstanding echoes; any still missing are counted as lost, with the time waited so far as their latency.
 * Every latency is stored (no histogram) and sorted for the percentiles (nearest rank).
 *
 * usage: latgen [-p port] [-c conns] [-s size] [-r rate] [-d secs] [-w warmup_secs]
 * prints: latgen conns= size= rate= secs= round_trips= rps= lost= p50_us= p99_us= p999_us= max_us=
 *         lag_p99_us= lag_max_us= (how late the client sent: its own share of the latency) client_cpu_pct=
 */
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include "net.h"

#define QCAP 4096u                 /* outstanding messages per connection (a power of two) */
#define IOBUF 65536
#define DRAIN_NS 2000000000ull

struct conn {
    int fd;
    uint64_t *due;                 /* due times of the messages sent and not yet fully echoed (ring) */
    uint32_t head, tail;
    size_t unsent;                 /* bytes due but not yet accepted by the socket */
    size_t partial;                /* bytes of the oldest outstanding message received so far */
    int want_out;
};

struct samples {
    uint64_t *v;
    size_t n, cap;
};

static size_t msg_size = 64;
static char sbuf[IOBUF], rbuf[IOBUF];
static uint64_t t_measure, t_end, outstanding;
static struct samples lat, lag;
static int ep;

static void fail(const char *what)
{
    fprintf(stderr, "latgen: %s\n", what);
    exit(1);
}

static void add(struct samples *s, uint64_t v)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1 << 16;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v) fail("out of memory");
    }
    s->v[s->n++] = v;
}

static int in_window(uint64_t due) { return due >= t_measure && due < t_end; }

static void watch(struct conn *c, int out)
{
    struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c };
    if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl", errno);
    c->want_out = out;
}

static void flush(struct conn *c)
{
    while (c->unsent > 0) {
        ssize_t w = send(c->fd, sbuf, c->unsent < IOBUF ? c->unsent : IOBUF, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno != EAGAIN) die("send", errno);
            if (!c->want_out) watch(c, 1);
            return;
        }
        c->unsent -= (size_t)w;
    }
    if (c->want_out) watch(c, 0);
}

static void send_due(struct conn *c, uint64_t due, uint64_t now)
{
    if (c->tail - c->head == QCAP) fail("overloaded: 4096 messages outstanding on one connection");
    c->due[c->tail++ & (QCAP - 1)] = due;
    outstanding++;
    c->unsent += msg_size;
    if (in_window(due)) add(&lag, now - due);
    if (!c->want_out) flush(c);
}

static void receive(struct conn *c)
{
    for (;;) {
        ssize_t r = recv(c->fd, rbuf, IOBUF, 0);
        if (r < 0 && errno == EAGAIN) return;
        if (r < 0) die("recv", errno);
        if (r == 0) fail("the server closed a connection");
        uint64_t now = now_ns();
        c->partial += (size_t)r;
        for (; c->partial >= msg_size; c->partial -= msg_size) {
            if (c->head == c->tail) fail("the server echoed more than was sent");
            uint64_t due = c->due[c->head++ & (QCAP - 1)];
            outstanding--;
            if (in_window(due)) add(&lat, now - due);
        }
        if (r < IOBUF) return;
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least p of all samples at or below it. */
static double pct_us(const struct samples *s, double p)
{
    if (s->n == 0) return 0;
    size_t rank = (size_t)(p * (double)s->n + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > s->n) rank = s->n;
    return (double)s->v[rank - 1] / 1000.0;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

int main(int argc, char **argv)
{
    int port = 47101, nconns = 50, opt;
    double secs = 5, warmup = 1, rate = 10000;
    while ((opt = getopt(argc, argv, "p:c:s:r:d:w:")) != -1) {
        switch (opt) {
        case 'p': port = atoi(optarg); break;
        case 'c': nconns = atoi(optarg); break;
        case 's': msg_size = (size_t)atol(optarg); break;
        case 'r': rate = atof(optarg); break;
        case 'd': secs = atof(optarg); break;
        case 'w': warmup = atof(optarg); break;
        default:
            fprintf(stderr, "usage: %s [-p port] [-c conns] [-s size] [-r rate] [-d secs] [-w warmup]\n", argv[0]);
            return 2;
        }
    }
    if (nconns < 1 || msg_size < 1 || rate <= 0 || secs <= 0 || warmup < 0) { fprintf(stderr, "bad arguments\n"); return 2; }
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_TIMERSLACK, 1UL);   /* wake for a send when it is due, not up to 50 us later */
    memset(sbuf, 'x', sizeof sbuf);

    ep = epoll_create1(0);
    struct conn *conns = calloc((size_t)nconns, sizeof *conns);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < nconns; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) die("socket", errno);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect", errno);
        set_nodelay(fd);
        set_nonblocking(fd);
        conns[i].fd = fd;
        conns[i].due = malloc(QCAP * sizeof(uint64_t));
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &conns[i] };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl", errno);
    }

    double cpu0 = cpu_seconds();
    uint64_t t0 = now_ns() + 1000000;
    t_measure = t0 + (uint64_t)(warmup * 1e9);
    t_end = t_measure + (uint64_t)(secs * 1e9);
    uint64_t deadline = t_end + DRAIN_NS, k = 0, now = 0;
    double interval = 1e9 / rate;
    struct epoll_event events[512];
    for (;;) {
        now = now_ns();
        uint64_t due;
        while ((due = t0 + (uint64_t)((double)k * interval)) <= now && due < t_end) {
            send_due(&conns[k % (uint64_t)nconns], due, now);
            k++;
        }
        if (due >= t_end && outstanding == 0) break;
        if (now >= deadline) break;
        uint64_t wait = due < t_end ? due - now : deadline - now;
        struct timespec ts = { .tv_sec = (time_t)(wait / 1000000000ull), .tv_nsec = (long)(wait % 1000000000ull) };
        int n = epoll_pwait2(ep, events, 512, &ts, NULL);
        if (n < 0 && errno != EINTR) die("epoll_pwait2", errno);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (events[i].events & EPOLLOUT) flush(c);
            if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) receive(c);
        }
    }
    double cpu = cpu_seconds() - cpu0, wall = (double)(now - t0) * 1e-9;

    uint64_t lost = 0;
    for (int i = 0; i < nconns; i++) {
        for (struct conn *c = &conns[i]; c->head != c->tail; c->head++) {
            uint64_t due = c->due[c->head & (QCAP - 1)];
            if (in_window(due)) { add(&lat, now - due); lost++; }
        }
        close(conns[i].fd);
    }
    if (lat.n == 0) fail("no round trip was due in the timed window");
    qsort(lat.v, lat.n, sizeof *lat.v, cmp_u64);
    qsort(lag.v, lag.n, sizeof *lag.v, cmp_u64);
    printf("latgen conns=%d size=%zu rate=%.0f secs=%.1f round_trips=%zu rps=%.0f lost=%llu"
           " p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f lag_p99_us=%.1f lag_max_us=%.1f client_cpu_pct=%.0f\n",
           nconns, msg_size, rate, secs, lat.n - (size_t)lost, (double)(lat.n - lost) / secs, (unsigned long long)lost,
           pct_us(&lat, 0.50), pct_us(&lat, 0.99), pct_us(&lat, 0.999), pct_us(&lat, 1.0),
           pct_us(&lag, 0.99), pct_us(&lag, 1.0), 100.0 * cpu / wall);
    return 0;
}

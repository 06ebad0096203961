/* The C load generator for bench/echo.ts: one thread, epoll, so that on two pinned cores the server is the
 * bottleneck and not the client (a Node client needs about as much CPU per round trip as the server it drives).
 * Two modes, as socketkit bench's: ping-pong (N connections, each sends SIZE bytes and waits for all of them to
 * come back before sending again) and connect (N loops of connect, send, read the echo, close). A run lasts
 * --duration seconds or --count operations, whichever comes first, and prints one JSON object with socketkit
 * bench's report fields (rate, latencyUs p50/p90/p99/p999/max, errors, starved).
 *
 *   loadgen --port P [--host 127.0.0.1] [--mode pingpong|connect] [-c 50] [-d 1] [-n 0] [-s 64]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Latency histogram in microseconds, HdrHistogram's layout with 2048 sub-buckets (three significant digits, as
 * socketkit bench's hdr-histogram-js): values below 2048 exact, above that 1024 buckets per power of two. */
#define SUB 2048
#define HALF 1024
#define BUCKETS (SUB + 40 * HALF)
static uint64_t hist[BUCKETS];
static uint64_t h_count, h_min = UINT64_MAX, h_max;
static double h_sum;

static int bucket_of(uint64_t v) {
  if (v < SUB) return (int)v;
  int e = 63 - __builtin_clzll(v) - 10; /* v >> e lies in [1024, 2047] */
  return SUB + (e - 1) * HALF + (int)((v >> e) - HALF);
}

/* The highest value that lands in bucket i, as HdrHistogram reports a percentile. */
static uint64_t top_of(int i) {
  if (i < SUB) return (uint64_t)i;
  int e = (i - SUB) / HALF + 1;
  uint64_t m = (uint64_t)((i - SUB) % HALF + HALF);
  return (m << e) + ((uint64_t)1 << e) - 1;
}

static void record(uint64_t us) {
  if (us < 1) us = 1;
  hist[bucket_of(us)]++;
  h_count++;
  h_sum += (double)us;
  if (us < h_min) h_min = us;
  if (us > h_max) h_max = us;
}

static uint64_t at_percentile(double p) {
  if (h_count == 0) return 0;
  uint64_t want = (uint64_t)((p / 100.0) * (double)h_count + 0.5);
  if (want < 1) want = 1;
  uint64_t seen = 0;
  for (int i = 0; i < BUCKETS; i++) {
    seen += hist[i];
    if (seen >= want) return top_of(i) < h_max ? top_of(i) : h_max; /* never above the exact maximum */
  }
  return h_max;
}

/* This process's CPU time so far (user + system), in seconds: the report's cpuSeconds is the window's share. */
static double cpu_seconds(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

struct conn {
  int fd;
  int connected;
  size_t got;
  uint64_t started; /* when the request was sent (ping-pong) or connect() called (connect mode) */
  uint64_t done;
};

static struct sockaddr_in target;
static char *message;
static size_t size = 64;
static char rbuf[65536];
static int ep;
static uint64_t end_ns, ops, max_ops, errors;
static int pingpong = 1;
static int active;

static int open_conn(struct conn *c) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) return -1;
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->connected = 0;
  c->got = 0;
  c->started = now_ns();
  if (connect(c->fd, (struct sockaddr *)&target, sizeof target) < 0 && errno != EINPROGRESS) {
    close(c->fd);
    return -1;
  }
  struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
  return 0;
}

static int send_request(struct conn *c) {
  /* 64 bytes always fit an empty loopback send buffer; a short write is reported as an error, not waited for. */
  ssize_t w = send(c->fd, message, size, MSG_NOSIGNAL);
  return w == (ssize_t)size ? 0 : -1;
}

static int running(void) { return now_ns() < end_ns && (max_ops == 0 || ops < max_ops); }

static void finish(struct conn *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->fd = -1;
  active--;
}

/* Connect mode: the next connection of this loop, or the loop's end; a failed connection counts and goes on. */
static void next_connection(struct conn *c) {
  while (running()) {
    if (open_conn(c) == 0) return;
    errors++;
  }
  c->fd = -1;
  active--;
}

static void failed(struct conn *c) {
  if (running()) errors++;
  finish(c);
  if (!pingpong && running()) {
    active++;
    next_connection(c);
  }
}

static void on_connected(struct conn *c) {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return failed(c);
  c->connected = 1;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  if (!pingpong && send_request(c) < 0) failed(c);
}

static void on_readable(struct conn *c) {
  ssize_t n = recv(c->fd, rbuf, sizeof rbuf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) return failed(c);
  c->got += (size_t)n;
  if (c->got < size) return;
  c->got = 0;
  uint64_t t = now_ns();
  record((t - c->started + 500) / 1000);
  ops++;
  c->done++;
  if (!pingpong) {
    finish(c);
    active++;
    return next_connection(c);
  }
  if (!running()) return finish(c);
  c->started = t;
  if (send_request(c) < 0) failed(c);
}

static void usage(void) {
  fprintf(stderr, "usage: loadgen --port P [--host H] [--mode pingpong|connect] [-c N] [-d S] [-n OPS] [-s B]\n");
  exit(2);
}

static void print_report(const char *host, int port, int conns, double elapsed, int starved, double cpu) {
  double rate = (double)ops / elapsed;
  printf("{\"target\":\"%s:%d\",\"mode\":\"%s\",\"connections\":%d,\"size\":%zu,\"elapsed\":%.6f,\"ops\":%llu,"
         "\"rate\":%.3f,\"bytesPerSecond\":%.3f,\"latencyUs\":{\"min\":%llu,\"mean\":%.0f,\"p50\":%llu,"
         "\"p90\":%llu,\"p99\":%llu,\"p999\":%llu,\"max\":%llu},\"errors\":%llu,\"starved\":%d,"
         "\"cpuSeconds\":%.6f}\n",
         host, port, pingpong ? "pingpong" : "connect", conns, size, elapsed, (unsigned long long)ops, rate,
         rate * (double)size, (unsigned long long)(h_count ? h_min : 0), h_count ? h_sum / (double)h_count : 0.0,
         (unsigned long long)at_percentile(50), (unsigned long long)at_percentile(90),
         (unsigned long long)at_percentile(99), (unsigned long long)at_percentile(99.9), (unsigned long long)h_max,
         (unsigned long long)errors, starved, cpu);
}

/* Ping-pong: every connection is open before the clock starts, as socketkit bench's are. */
static int connect_all(struct conn *cs, int conns, struct epoll_event *evs) {
  for (int i = 0; i < conns; i++)
    if (open_conn(&cs[i]) < 0) return -1;
  int pending = conns;
  uint64_t give_up = now_ns() + 30ull * 1000000000u;
  while (pending > 0 && now_ns() < give_up) {
    int n = epoll_wait(ep, evs, 1024, 1000);
    for (int i = 0; i < n; i++) {
      struct conn *c = evs[i].data.ptr;
      if (c->connected) continue;
      on_connected(c);
      if (!c->connected) return -1;
      pending--;
    }
  }
  return pending == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  int port = 0, conns = 50;
  double duration = 1;
  static struct option longs[] = {{"host", 1, 0, 'h'},     {"port", 1, 0, 'p'},        {"mode", 1, 0, 'm'},
                                  {"connections", 1, 0, 'c'}, {"duration", 1, 0, 'd'}, {"count", 1, 0, 'n'},
                                  {"size", 1, 0, 's'},     {0, 0, 0, 0}};
  for (int o; (o = getopt_long(argc, argv, "h:p:m:c:d:n:s:", longs, NULL)) != -1;) {
    if (o == 'h') host = optarg;
    else if (o == 'p') port = atoi(optarg);
    else if (o == 'm') pingpong = strcmp(optarg, "connect") != 0;
    else if (o == 'c') conns = atoi(optarg);
    else if (o == 'd') duration = atof(optarg);
    else if (o == 'n') max_ops = strtoull(optarg, NULL, 10);
    else if (o == 's') size = (size_t)atol(optarg);
    else usage();
  }
  if (port <= 0 || conns <= 0 || size == 0 || size > sizeof rbuf || duration <= 0) usage();
  signal(SIGPIPE, SIG_IGN);
  target.sin_family = AF_INET;
  target.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &target.sin_addr) != 1) usage();
  message = malloc(size);
  memset(message, 'a', size);
  struct conn *cs = calloc((size_t)conns, sizeof *cs);
  struct epoll_event evs[1024];
  ep = epoll_create1(EPOLL_CLOEXEC);
  end_ns = UINT64_MAX;
  if (pingpong && connect_all(cs, conns, evs) < 0) {
    fprintf(stderr, "loadgen: could not open %d connections to %s:%d\n", conns, host, port);
    return 1;
  }
  double cpu0 = cpu_seconds();
  uint64_t start = now_ns();
  end_ns = start + (uint64_t)(duration * 1e9);
  active = conns;
  for (int i = 0; i < conns; i++) {
    if (pingpong) {
      cs[i].started = now_ns();
      if (send_request(&cs[i]) < 0) failed(&cs[i]);
    } else {
      next_connection(&cs[i]);
    }
  }
  while (active > 0) {
    int n = epoll_wait(ep, evs, 1024, 1000);
    for (int i = 0; i < n; i++) {
      struct conn *c = evs[i].data.ptr;
      if (c->fd < 0) continue;
      if (!c->connected) on_connected(c);
      else on_readable(c);
    }
    /* A server that stopped answering must not hold the run forever: give up 10 s after the end. */
    if (now_ns() > end_ns + 10ull * 1000000000u && end_ns != UINT64_MAX) break;
  }
  double elapsed = (double)(now_ns() - start) / 1e9;
  int starved = 0;
  for (int i = 0; pingpong && i < conns; i++) starved += cs[i].done == 0;
  print_report(host, port, conns, elapsed, starved, cpu_seconds() - cpu0);
  return 0;
}

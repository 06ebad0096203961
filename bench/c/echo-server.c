/* A one-thread epoll echo server in C for bench/echo.ts: the limit the other echo servers are measured against
 * ("distance to the limit"). Listens on 127.0.0.1 (port 0 unless given), prints its port on the first line of
 * stdout, echoes every byte back until the peer closes. Level-triggered; a short write waits for EPOLLOUT. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF 65536

/* What a connection still owes its peer after a short write (rare on loopback with ping-pong). */
struct pending {
  char *data;
  size_t len, off;
};

static struct pending *pend; /* indexed by fd */
static int pend_cap;
static char buf[BUF];

static void on_term(int sig) {
  (void)sig;
  _exit(0);
}

static struct pending *pending_for(int fd) {
  if (fd >= pend_cap) {
    int cap = pend_cap ? pend_cap : 1024;
    while (cap <= fd) cap *= 2;
    pend = realloc(pend, sizeof *pend * cap);
    if (!pend) abort();
    memset(pend + pend_cap, 0, sizeof *pend * (cap - pend_cap));
    pend_cap = cap;
  }
  return &pend[fd];
}

static void drop(int ep, int fd) {
  struct pending *p = pending_for(fd);
  free(p->data);
  memset(p, 0, sizeof *p);
  epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
}

/* Keeps what write() did not take and waits for EPOLLOUT instead of EPOLLIN until it is gone. */
static void keep(int ep, int fd, const char *data, size_t len) {
  struct pending *p = pending_for(fd);
  p->data = malloc(len);
  if (!p->data) abort();
  memcpy(p->data, data, len);
  p->len = len;
  p->off = 0;
  struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
  epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

static void flush(int ep, int fd) {
  struct pending *p = pending_for(fd);
  ssize_t w = write(fd, p->data + p->off, p->len - p->off);
  if (w < 0) {
    if (errno != EAGAIN && errno != EINTR) drop(ep, fd);
    return;
  }
  p->off += (size_t)w;
  if (p->off < p->len) return;
  free(p->data);
  memset(p, 0, sizeof *p);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
  epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

static void echo(int ep, int fd) {
  ssize_t n = read(fd, buf, BUF);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return drop(ep, fd);
  if (n < 0) return;
  ssize_t w = write(fd, buf, (size_t)n);
  if (w < 0 && errno != EAGAIN && errno != EINTR) return drop(ep, fd);
  if (w < 0) w = 0;
  if (w < n) keep(ep, fd, buf + w, (size_t)(n - w));
}

static void accept_all(int ep, int lfd) {
  for (;;) {
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return; /* EAGAIN, or a connection reset while queued: the next wake-up tries again */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
}

int main(int argc, char **argv) {
  signal(SIGTERM, on_term);
  signal(SIGPIPE, SIG_IGN);
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(argc > 1 ? atoi(argv[1]) : 0)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof a;
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 4096) < 0 ||
      getsockname(lfd, (struct sockaddr *)&a, &alen) < 0) {
    perror("echo-server");
    return 1;
  }
  printf("%d\n", ntohs(a.sin_port));
  fflush(stdout);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == lfd) accept_all(ep, lfd);
      else if (events[i].events & EPOLLOUT) flush(ep, fd);
      else echo(ep, fd);
    }
  }
}

// Linux's numeric constants for sockets, epoll and the resolver, as <sys/socket.h> and friends define them.
// The libc layer and the socket layer's public constants both read from here.

/** The range of a C int: what the kernel takes for sizes, flags and options (argument checks use these). */
export const INT_MAX = 0x7fffffff;
export const INT_MIN = -0x80000000;

export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_SEQPACKET = 5;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;

export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_ERROR = 4;
export const SO_BROADCAST = 6;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_KEEPALIVE = 9;
export const SO_LINGER = 13;
/** The credentials (pid, uid, gid) of a Unix socket's peer, as struct ucred: three C ints. */
export const SO_PEERCRED = 17;
export const SO_REUSEPORT = 15;
export const SO_ACCEPTCONN = 30;
export const SO_PROTOCOL = 38;
export const SO_DOMAIN = 39;

export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_RAW = 255;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPV6_V6ONLY = 26;
export const TCP_NODELAY = 1;
export const TCP_MAXSEG = 2;
export const TCP_KEEPIDLE = 4;
export const TCP_KEEPINTVL = 5;
export const TCP_KEEPCNT = 6;
export const TCP_INFO = 11;

export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

/** Python's socket.SOMAXCONN on Linux (glibc ≥ 2.33 follows the kernel's 4096). */
export const SOMAXCONN = 4096;

export const MSG_OOB = 0x1;
export const MSG_PEEK = 0x2;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_WAITALL = 0x100;
export const MSG_NOSIGNAL = 0x4000;

export const MSG_CTRUNC = 0x8;
export const MSG_EOR = 0x80;
export const MSG_CMSG_CLOEXEC = 0x40000000;
export const SCM_RIGHTS = 1;
export const SCM_CREDENTIALS = 2;

export const F_GETFD = 1;
export const F_SETFD = 2;
export const FD_CLOEXEC = 1;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_DUPFD_CLOEXEC = 1030;
export const O_RDWR = 0o2;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;
export const SEEK_SET = 0;
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;

export const AI_PASSIVE = 0x1;
export const AI_CANONNAME = 0x2;
export const AI_NUMERICHOST = 0x4;
export const AI_V4MAPPED = 0x8;
export const AI_ALL = 0x10;
export const AI_ADDRCONFIG = 0x20;
export const AI_NUMERICSERV = 0x400;

/** getaddrinfo's error codes (negative, as glibc's <netdb.h> defines them): Python's gaierror errno. */
export const EAI_NONAME = -2;
export const EAI_ADDRFAMILY = -9;
export const EAI_SYSTEM = -11;

/** epoll(7)'s event bits (<sys/epoll.h>), unsigned as Python's select module gives them (EPOLLET is 1 << 31). */
export const EPOLLIN = 0x1;
export const EPOLLPRI = 0x2;
export const EPOLLOUT = 0x4;
export const EPOLLERR = 0x8;
export const EPOLLHUP = 0x10;
export const EPOLLRDNORM = 0x40;
export const EPOLLRDBAND = 0x80;
export const EPOLLWRNORM = 0x100;
export const EPOLLWRBAND = 0x200;
export const EPOLLMSG = 0x400;
export const EPOLLRDHUP = 0x2000;
export const EPOLLEXCLUSIVE = 2 ** 28;
export const EPOLLONESHOT = 2 ** 30;
export const EPOLLET = 2 ** 31;
export const EPOLL_CLOEXEC = O_CLOEXEC;
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;

/** The most bytes a pipe write is atomic for (Linux's PIPE_BUF, Python's select.PIPE_BUF). */
export const PIPE_BUF = 4096;

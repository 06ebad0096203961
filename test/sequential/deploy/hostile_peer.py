# Another user's process against `socketkit serve --handover` (test/sequential/deploy/handover-attacks.test.ts runs
# it as nobody, or as root for the wrong-address case, with `python3 -c`): it plants a listener of its own on the
# hand-over path, or tries to take or stall the server's. Plain Python, so that it shares no code with what it
# attacks; each event is one line on stdout.
import os
import socket
import sys


def say(*words):
    print(*words, flush=True)


def plant(path, kind):
    """Offers a listener of ours on `path` (or on the bound socket at fd 3) to whoever asks."""
    if path == "fd3":
        control = socket.socket(fileno=3)
        control.setblocking(True)
    else:
        control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        control.bind(path)
        os.chmod(path, 0o777)
    control.listen(4)
    offered = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM)
    offered.bind(("127.0.0.1", 0))
    if kind != "udp":
        offered.listen(5)
    say("planted", offered.getsockname()[1])
    while True:
        conn, _ = control.accept()
        request = conn.recv(256)
        say("asked", repr(request))
        if request:
            socket.send_fds(conn, [b'{"pid":1}\n'], [offered.fileno()])
            say("answered", repr(conn.recv(256)))
        conn.close()


def connect(path):
    """A connection to `path`, or None (said as EACCES) when its mode keeps us out."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except PermissionError:
        say("EACCES")
        return None
    return conn


def take(path):
    """Asks the server on `path` for its listener, as a successor would, and never confirms."""
    conn = connect(path)
    if conn is None:
        return
    try:
        conn.sendall(b"LISTENER? %d\n" % os.getpid())
        data, fds, _, _ = socket.recv_fds(conn, 256, 1)
    except (BrokenPipeError, ConnectionResetError):
        # Closed before it read the request: a reset, and nothing received.
        data, fds = b"", []
    say("received", len(fds), "descriptors", repr(data))
    try:
        rest = conn.recv(1)
    except ConnectionResetError:
        rest = b""
    say("closed by the server" if rest == b"" else "still open")


def silent(path):
    """Connects to `path` and says nothing."""
    conn = connect(path)
    if conn is None:
        return
    say("connected")
    data, fds, _, _ = socket.recv_fds(conn, 256, 1)
    say("received", len(fds), "descriptors", repr(data))


{"plant": plant, "take": take, "silent": silent}[sys.argv[1]](*sys.argv[2:])

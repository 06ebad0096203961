# The outside client of bench/forking.ts: CONNECTIONS connections to 127.0.0.1:PORT, each sending REQUESTS lines
# one at a time (the next only after the reply line), all driven by one selectors loop so that the client needs
# little CPU of the machine's two cores. Prints the seconds from the first connect to the last reply.
#   python3 cpu_client.py PORT [CONNECTIONS] [REQUESTS] [LINE]
import selectors, socket, sys, time

port = int(sys.argv[1])
connections = int(sys.argv[2]) if len(sys.argv) > 2 else 8
requests = int(sys.argv[3]) if len(sys.argv) > 3 else 100
line = (sys.argv[4] if len(sys.argv) > 4 else "work").encode() + b"\n"

sel = selectors.DefaultSelector()
t0 = time.perf_counter()
left = {}
for _ in range(connections):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(line)
    left[s] = [requests, b""]
    sel.register(s, selectors.EVENT_READ)
while left:
    for key, _ in sel.select(timeout=60):
        s = key.fileobj
        state = left[s]
        data = s.recv(4096)
        if not data:
            raise SystemExit("the server closed a connection before its last reply")
        state[1] += data
        while b"\n" in state[1]:
            state[1] = state[1].split(b"\n", 1)[1]
            state[0] -= 1
            if state[0] == 0:
                sel.unregister(s)
                s.close()
                del left[s]
                break
            s.sendall(line)
print(f"{time.perf_counter() - t0:.6f}")

# The CPU-bound server for bench/forking.ts, in Python: each request line costs ~2 ms of hashing (one SHA-256
# digest of many small blocks, which hold the GIL, calibrated at start); "block" sleeps 1 s. Run as
#   python3 cpu_server.py forking|threading
import hashlib, os, socketserver, sys, time

DATA = bytes(64)

def hash_loop(n):
    h = hashlib.sha256()
    for _ in range(n):
        h.update(DATA)  # a small block: the GIL stays held
    h.digest()

def calibrate():
    best = float("inf")
    for _ in range(7):
        t = time.perf_counter()
        hash_loop(20000)
        best = min(best, (time.perf_counter() - t) / 20000)
    return round(0.002 / best)

# bench/forking.ts gives the second server of a pair the first one's count, so that both do the same work.
ITERATIONS = int(os.environ.get("CPU_SERVER_ITERATIONS") or calibrate())

class CpuHandler(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            if line.strip() == b"block":
                time.sleep(1)
            else:
                hash_loop(ITERATIONS)
            self.wfile.write(b"ok\n")

Base = socketserver.ForkingTCPServer if sys.argv[1] == "forking" else socketserver.ThreadingTCPServer

class Server(Base):
    allow_reuse_address = True
    request_queue_size = 128
    daemon_threads = True

with Server(("127.0.0.1", 0), CpuHandler) as server:
    print(server.server_address[1], ITERATIONS, flush=True)
    server.serve_forever()

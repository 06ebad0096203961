# The CPU-bound server for bench/forking.ts, in Python: each request line costs ~2 ms of hashing (a loop of small
# SHA-256 digests, which hold the GIL, calibrated at start); "block" sleeps 1 s. Run as
#   python3 cpu_server.py forking|threading
import hashlib, socketserver, sys, time

DATA = bytes(64)

def hash_loop(n):
    for _ in range(n):
        hashlib.sha256(DATA).digest()

def calibrate():
    best = float("inf")
    for _ in range(7):
        t = time.perf_counter()
        hash_loop(1000)
        best = min(best, (time.perf_counter() - t) / 1000)
    return round(0.002 / best)

ITERATIONS = calibrate()

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

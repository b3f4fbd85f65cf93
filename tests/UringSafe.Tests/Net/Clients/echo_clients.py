#!/usr/bin/env python3
"""Opens N concurrent TCP connections to an echo server, spread over source addresses in 127.0.0.0/8 (so the
ephemeral port range and TIME_WAIT never limit it), sends one message on each, and checks every echo byte for byte.
All connections stay open until every one is verified; then it prints one line

    verified=V failed=F connected=C seconds=S

and waits for a line on stdin (or stdin closing) before closing them all. Used by the scale tests: the client runs
in its own process because the server's process needs its own RLIMIT_NOFILE for the server side."""
import selectors, socket, sys, time

host, port, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
deadline = time.time() + float(sys.argv[5]) if len(sys.argv) > 5 else time.time() + 120
sel = selectors.DefaultSelector()
state = {}
start = time.time()
connected = verified = failed = 0

for i in range(count):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.bind(("127.%d.%d.%d" % (1 + i // 60000, (i // 250) % 240 + 1, i % 250 + 1), 0))
    msg = (b"%08d" % i) * (size // 8) + b"x" * (size % 8)
    s.connect_ex((host, port))
    state[s] = [msg, 0, bytearray(), False]
    sel.register(s, selectors.EVENT_WRITE)

pending = count
while pending and time.time() < deadline:
    for key, mask in sel.select(timeout=1):
        s = key.fileobj
        st = state[s]
        try:
            if mask & selectors.EVENT_WRITE:
                if not st[3]:
                    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        raise OSError(err, "connect")
                    st[3] = True
                    connected += 1
                st[1] += s.send(st[0][st[1]:])
                if st[1] == len(st[0]):
                    sel.modify(s, selectors.EVENT_READ)
            elif mask & selectors.EVENT_READ:
                data = s.recv(65536)
                if not data:
                    raise OSError(0, "closed by the server")
                st[2] += data
                if len(st[2]) >= len(st[0]):
                    if bytes(st[2]) == st[0]:
                        verified += 1
                    else:
                        failed += 1
                    sel.unregister(s)
                    pending -= 1
        except OSError as e:
            failed += 1
            pending -= 1
            try:
                sel.unregister(s)
            except (KeyError, ValueError):
                pass

print("verified=%d failed=%d connected=%d seconds=%.2f" % (verified, failed, connected, time.time() - start), flush=True)
sys.stdin.readline()
for s in state:
    s.close()

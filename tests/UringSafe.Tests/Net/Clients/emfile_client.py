#!/usr/bin/env python3
"""EMFILE back-off scenario against an echo server started with a small RLIMIT_NOFILE.

1. Opens N connections and sends one message on each; waits until no echo arrives for a while. The server runs out
   of fds (EMFILE on accept), so only some are served; the rest wait in the listen backlog.
2. Sends a second message on every served connection: the server must keep serving them while accepts fail.
3. Closes the served connections, freeing the server's fds: the server's accept back-off must recover and serve the
   waiting ones (each is closed once echoed, so the server never needs more fds than it had).

Prints one line: served_first=A second_ok=B recovered=C total=N"""
import selectors, socket, sys, time

host, port, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
MSG = b"0123456789abcdef" * 4


def echo_round(socks, msg, quiet_for, limit):
    """Sends msg on each socket; returns the set verified before no progress for quiet_for seconds (or limit)."""
    sel = selectors.DefaultSelector()
    got = {}
    for s in socks:
        s.sendall(msg)
        got[s] = b""
        sel.register(s, selectors.EVENT_READ)
    done = set()
    last = time.time()
    end = time.time() + limit
    while len(done) < len(socks) and time.time() - last < quiet_for and time.time() < end:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            data = s.recv(4096)
            if not data:
                sel.unregister(s)
                continue
            got[s] += data
            if len(got[s]) >= len(msg):
                sel.unregister(s)
                if got[s] == msg:
                    done.add(s)
                last = time.time()
    sel.close()
    return done


socks = []
for i in range(total):
    s = socket.create_connection((host, port))  # the kernel completes the handshake into the backlog
    socks.append(s)
served = echo_round(socks, MSG, quiet_for=2.0, limit=20)
waiting = [s for s in socks if s not in served]
second = echo_round(list(served), MSG[::-1], quiet_for=5.0, limit=20)
for s in served:
    s.close()
recovered = 0
# The waiting connections already sent their first message: collect those echoes now.
sel = selectors.DefaultSelector()
buf = {}
for s in waiting:
    buf[s] = b""
    sel.register(s, selectors.EVENT_READ)
end = time.time() + 30
while recovered < len(waiting) and time.time() < end:
    for key, _ in sel.select(timeout=0.5):
        s = key.fileobj
        data = s.recv(4096)
        if not data:
            sel.unregister(s)
            continue
        buf[s] += data
        if len(buf[s]) >= len(MSG):
            sel.unregister(s)
            if buf[s] == MSG:
                recovered += 1
            s.close()  # frees a server fd, so the next waiting connection can be accepted
print("served_first=%d second_ok=%d recovered=%d total=%d" % (len(served), len(second), recovered, total), flush=True)
for s in waiting:
    if s.fileno() >= 0:
        s.close()

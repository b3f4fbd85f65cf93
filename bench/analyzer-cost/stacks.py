#!/usr/bin/env python3
"""Sums a speedscope profile (dotnet-trace convert --format Speedscope) by frame: inclusive time of each frame whose name
matches PATTERN (each frame counted once per stack), and, for each FOCUS frame, its direct callees' inclusive time.
Usage: stacks.py TRACE.speedscope.json [PATTERN=UringSafe] [FOCUS ...]"""
import json
import re
import sys
from collections import defaultdict

data = json.load(open(sys.argv[1]))
pattern = re.compile(sys.argv[2] if len(sys.argv) > 2 else "UringSafe")
focus = sys.argv[3:]
names = [f["name"] for f in data["shared"]["frames"]]
inclusive = defaultdict(float)
children = defaultdict(lambda: defaultdict(float))
total = 0.0
for profile in data["profiles"]:
    stack, last = [], None
    for e in profile.get("events", []):
        at = e["at"]
        if last is not None and stack and at > last:
            dt = at - last
            total += dt
            seen = set()
            for i, f in enumerate(stack):
                n = names[f]
                if n not in seen:
                    seen.add(n)
                    inclusive[n] += dt
                if n in focus and i + 1 < len(stack) and names[stack[i + 1]] != n:
                    children[n][names[stack[i + 1]]] += dt
        last = at
        if e["type"] == "O":
            stack.append(e["frame"])
        elif stack:
            stack.pop()
print(f"total sampled time {total:.0f} ms")
for n, t in sorted(inclusive.items(), key=lambda p: -p[1]):
    if pattern.search(n):
        print(f"{t:9.0f} ms {100 * t / total:5.1f}%  {n[:200]}")
for f in focus:
    print(f"\ncallees of {f} ({inclusive.get(f, 0):.0f} ms):")
    for n, t in sorted(children[f].items(), key=lambda p: -p[1])[:25]:
        print(f"{t:9.0f} ms  {n[:200]}")

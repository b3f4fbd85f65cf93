#!/usr/bin/env python3
"""Echo throughput chart from the bench's --json output (standard library only).

    dotnet run -c Release --project bench/UringSafe.Bench -- echo --runs 3 --json > echo.jsonl
    python3 bench/plot.py echo.jsonl -o docs/img/echo.svg

Draws, for each message size, the median round trips/s of every server at each connection count
(grouped bars; the thin line on each bar spans min - max over the runs).
"""
import argparse
import json
import re
import statistics
from collections import defaultdict

COLORS = {
    "uringsafe": "#d9480f",
    "c-liburing-d": "#1c7ed6",
    "c-epoll": "#37b24d",
    "dotnet-sockets": "#868e96",
}
LABELS = {
    "uringsafe": "UringSafe EchoServer",
    "c-liburing-d": "C liburing + DEFER_TASKRUN",
    "c-epoll": "C epoll",
    "dotnet-sockets": ".NET Sockets",
}


def load(path):
    data = defaultdict(list)  # (size, conns, impl) -> [rt/s]
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            o = json.loads(line)
            m = re.fullmatch(r"echo-(\d+)b-c(\d+)", o.get("workload", ""))
            if not m or o.get("unit") != "rt/s":
                continue
            data[(int(m.group(1)), int(m.group(2)), o["impl"])].append(float(o["value"]))
    return data


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(data):
    sizes = sorted({k[0] for k in data})
    conns = sorted({k[1] for k in data})
    impls = [i for i in COLORS if any(k[2] == i for k in data)] + sorted({k[2] for k in data} - set(COLORS))
    top = max(max(v) for v in data.values()) * 1.1
    step = 10 ** (len(str(int(top))) - 1)
    top = (int(top / step) + 1) * step
    pw, ph, ml, mt, mb = 380, 260, 70, 50, 60
    width = ml + len(sizes) * (pw + 30) + 10
    height = mt + ph + mb + 24 * ((len(impls) + 1) // 2)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">TCP echo: round trips/s by connection count (median; bar line = min - max)</text>']
    for si, size in enumerate(sizes):
        x0 = ml + si * (pw + 30)
        out.append(f'<text x="{x0 + pw / 2}" y="{mt - 10}" text-anchor="middle" font-weight="bold">{size} B messages</text>')
        for t in range(0, 6):
            v = top * t / 5
            y = mt + ph - ph * t / 5
            out.append(f'<line x1="{x0}" y1="{y}" x2="{x0 + pw}" y2="{y}" stroke="#e9ecef"/>')
            out.append(f'<text x="{x0 - 6}" y="{y + 4}" text-anchor="end" fill="#495057">{int(v / 1000)}k</text>')
        out.append(f'<line x1="{x0}" y1="{mt + ph}" x2="{x0 + pw}" y2="{mt + ph}" stroke="#343a40"/>')
        gw = pw / len(conns)
        bw = (gw - 20) / max(1, len(impls))
        for ci, c in enumerate(conns):
            gx = x0 + ci * gw + 10
            out.append(f'<text x="{gx + (gw - 20) / 2}" y="{mt + ph + 18}" text-anchor="middle">{c} connections</text>')
            for ii, impl in enumerate(impls):
                vals = data.get((size, c, impl))
                if not vals:
                    continue
                med = statistics.median(vals)
                h = ph * med / top
                bx = gx + ii * bw
                color = COLORS.get(impl, "#ae3ec9")
                out.append(f'<rect x="{bx:.1f}" y="{mt + ph - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" fill="{color}">'
                           f'<title>{esc(LABELS.get(impl, impl))}, {size} B, {c} conns: {med:,.0f} rt/s (n={len(vals)})</title></rect>')
                lo, hi = min(vals), max(vals)
                cx = bx + (bw - 2) / 2
                out.append(f'<line x1="{cx:.1f}" y1="{mt + ph - ph * lo / top:.1f}" x2="{cx:.1f}" y2="{mt + ph - ph * hi / top:.1f}" stroke="#212529"/>')
                out.append(f'<text x="{cx:.1f}" y="{mt + ph - h - 4:.1f}" text-anchor="middle" font-size="9">{med / 1000:.0f}k</text>')
    ly = mt + ph + 40
    for ii, impl in enumerate(impls):
        lx = ml + (ii % 2) * 300
        yy = ly + (ii // 2) * 22
        out.append(f'<rect x="{lx}" y="{yy - 10}" width="12" height="12" fill="{COLORS.get(impl, "#ae3ec9")}"/>')
        out.append(f'<text x="{lx + 18}" y="{yy}">{esc(LABELS.get(impl, impl))}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("jsonl", help="output of the bench with --json (echo workload)")
    ap.add_argument("-o", "--output", default="docs/img/echo.svg")
    a = ap.parse_args()
    data = load(a.jsonl)
    if not data:
        raise SystemExit(f"no echo rt/s measurements in {a.jsonl}")
    with open(a.output, "w", encoding="utf-8") as f:
        f.write(render(data))
    print(f"wrote {a.output}")


if __name__ == "__main__":
    main()

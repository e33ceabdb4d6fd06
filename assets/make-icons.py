#!/usr/bin/env python3
"""Draws Liaison's add-in icons (assets/icon-{16,32,64,80,128}.png): two white chain links on a
Fluent-blue rounded square; and the unified manifest's two (icon-color-192.png, the same at
192 px; icon-outline-32.png, the links alone in white on transparent, as Microsoft asks of an
outline icon). Standard library only; run it again after changing the drawing."""
import math
import os
import struct
import zlib

BLUE = (15, 108, 189)      # Fluent brand blue #0F6CBD
WHITE = (255, 255, 255)
SIZES = (16, 32, 64, 80, 128)
SUPERSAMPLE = 4


def rounded_square(x, y, radius):
    """Signed distance to a rounded square filling the unit box."""
    qx, qy = abs(x - 0.5) - (0.5 - radius), abs(y - 0.5) - (0.5 - radius)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - radius


def capsule_ring(x, y, ax, ay, bx, by, radius, width):
    """Distance to the outline of a capsule (a chain link) from a to b."""
    px, py, vx, vy = x - ax, y - ay, bx - ax, by - ay
    t = max(0.0, min(1.0, (px * vx + py * vy) / (vx * vx + vy * vy)))
    d = math.hypot(px - vx * t, py - vy * t)
    return abs(d - radius) - width / 2


def colour(x, y):
    if rounded_square(x, y, 0.2) > 0:
        return None
    link_a = capsule_ring(x, y, 0.30, 0.62, 0.48, 0.44, 0.13, 0.07)
    link_b = capsule_ring(x, y, 0.52, 0.56, 0.70, 0.38, 0.13, 0.07)
    return WHITE if min(link_a, link_b) < 0 else BLUE


def outline(x, y):
    link_a = capsule_ring(x, y, 0.30, 0.62, 0.48, 0.44, 0.13, 0.07)
    link_b = capsule_ring(x, y, 0.52, 0.56, 0.70, 0.38, 0.13, 0.07)
    return WHITE if min(link_a, link_b) < 0 else None


def render(size, colour=colour):
    rows = []
    n = SUPERSAMPLE
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            r = g = b = a = 0
            for sy in range(n):
                for sx in range(n):
                    c = colour((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size)
                    if c:
                        r, g, b, a = r + c[0], g + c[1], b + c[2], a + 1
            row += bytes([r // a, g // a, b // a, 255 * a // (n * n)] if a else [0, 0, 0, 0])
        rows.append(bytes(row))
    return png(size, b"".join(rows))


def png(size, raw):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    for size in SIZES:
        with open(os.path.join(here, f"icon-{size}.png"), "wb") as f:
            f.write(render(size))
    with open(os.path.join(here, "icon-color-192.png"), "wb") as f:
        f.write(render(192))
    with open(os.path.join(here, "icon-outline-32.png"), "wb") as f:
        f.write(render(32, outline))

"""Draw the application icon with Qt: a factory under a green leaf on a green tile.

    python tools/make_icon.py            # writes resources/icons/greendesk.png and greendesk.ico

The .ico holds PNG images at 16–256 px (Windows Vista and later read PNG entries); Qt's own ICO
writer stores one size only, so the container is written here. The files are committed; run this
again only to change the design.
"""
from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import (  # noqa: E402
    QBrush, QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPainterPath, QPen,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def draw(size: int) -> QImage:
    img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 256, size / 256)  # draw on a 256 x 256 canvas

    # tile: rounded square, dark to light green
    grad = QLinearGradient(0, 0, 0, 256)
    grad.setColorAt(0, QColor("#2f9e44"))
    grad.setColorAt(1, QColor("#1b5e20"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(grad))
    p.drawRoundedRect(QRectF(8, 8, 240, 240), 48, 48)

    # factory: saw-tooth roof, a chimney, on a ground line (white)
    white = QColor("#ffffff")
    factory = QPainterPath()
    factory.moveTo(40, 200)
    factory.lineTo(40, 136)
    factory.lineTo(80, 112)
    factory.lineTo(80, 136)
    factory.lineTo(120, 112)
    factory.lineTo(120, 136)
    factory.lineTo(160, 112)
    factory.lineTo(160, 200)
    factory.closeSubpath()
    factory.addRect(QRectF(172, 96, 24, 104))  # chimney
    p.setBrush(white)
    p.drawPath(factory)
    p.drawRoundedRect(QRectF(32, 196, 192, 12), 6, 6)  # ground
    # windows, cut out in the tile's colour
    p.setBrush(QColor("#237a33"))
    for x in (56, 96, 136):
        p.drawRect(QRectF(x - 8, 160, 16, 20))

    # leaf above the chimney, light green with a white midrib
    leaf = QPainterPath()
    leaf.moveTo(QPointF(184, 92))
    leaf.cubicTo(QPointF(150, 70), QPointF(170, 30), QPointF(222, 30))
    leaf.cubicTo(QPointF(226, 72), QPointF(210, 98), QPointF(184, 92))
    p.setBrush(QColor("#b2f2bb"))
    p.drawPath(leaf)
    pen = QPen(QColor("#1b5e20"), 5)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    rib = QPainterPath()
    rib.moveTo(QPointF(186, 90))
    rib.quadTo(QPointF(196, 60), QPointF(218, 36))
    p.drawPath(rib)
    p.end()
    return img


def png_bytes(img: QImage) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    buf.close()
    return bytes(data)


def ico_bytes(images: list[tuple[int, bytes]]) -> bytes:
    """An ICO container of PNG entries: ICONDIR, one ICONDIRENTRY per size, then the PNGs."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in images:
        dim = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    app = QGuiApplication.instance() or QGuiApplication(argv[:1])  # noqa: F841 (fonts, image plugins)
    (out / "greendesk.png").write_bytes(png_bytes(draw(256)))
    (out / "greendesk.ico").write_bytes(ico_bytes([(s, png_bytes(draw(s))) for s in ICO_SIZES]))
    print(f"已写入 {out / 'greendesk.png'} 和 {out / 'greendesk.ico'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

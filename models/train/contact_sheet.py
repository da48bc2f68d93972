"""Contact sheet: one row per eval pair, content | style | one column per model.

  /usr/bin/python3 -m models.train.contact_sheet OUT.png "teacher (Magenta)=DIR" "fast=DIR" "paint=DIR" ...
(each DIR is evaluate's OUT/pairs: eN.content.jpg, eN.style.jpg, eN.out.png; content and style
are read from the first).
"""
import sys
from pathlib import Path

from PIL import Image, ImageDraw

CELL_W, CELL_H, LABEL = 288, 162, 18


def cell(path):
    img = Image.open(path).convert("RGB")
    img.thumbnail((CELL_W, CELL_H), Image.LANCZOS)
    c = Image.new("RGB", (CELL_W, CELL_H), (255, 255, 255))
    c.paste(img, ((CELL_W - img.width) // 2, (CELL_H - img.height) // 2))
    return c


def main(out, *columns):
    models = [(label, Path(d)) for label, d in (c.split("=", 1) for c in columns)]
    first = models[0][1]
    names = sorted(p.name[: -len(".out.png")] for p in first.glob("*.out.png"))
    cols = ["content", "style"] + [label for label, _ in models]
    sheet = Image.new("RGB", (CELL_W * len(cols), LABEL + CELL_H * len(names)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for i, c in enumerate(cols):
        draw.text((i * CELL_W + 6, 3), c, fill=(0, 0, 0))
    for r, n in enumerate(names):
        paths = [first / f"{n}.content.jpg", first / f"{n}.style.jpg"] + [d / f"{n}.out.png" for _, d in models]
        for i, p in enumerate(paths):
            if p.exists():
                sheet.paste(cell(p), (i * CELL_W, LABEL + r * CELL_H))
    sheet.save(out, optimize=True)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])

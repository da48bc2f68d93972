"""Contact sheet: one row per eval pair, content | style | teacher | ours.

  /usr/bin/python3 models/train/contact_sheet.py OURS_PAIRS_DIR TEACHER_PAIRS_DIR OUT.png
(the pairs folders are evaluate.py's OUT/pairs: eN.content.jpg, eN.style.jpg, eN.out.png).
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


def main(ours, teacher, out):
    ours, teacher = Path(ours), Path(teacher)
    names = sorted(p.name[: -len(".out.png")] for p in ours.glob("*.out.png"))
    cols = ["content", "style", "teacher (Magenta)", "ours (fast)"]
    sheet = Image.new("RGB", (CELL_W * 4, LABEL + CELL_H * len(names)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for i, c in enumerate(cols):
        draw.text((i * CELL_W + 6, 3), c, fill=(0, 0, 0))
    for r, n in enumerate(names):
        paths = [ours / f"{n}.content.jpg", ours / f"{n}.style.jpg", teacher / f"{n}.out.png", ours / f"{n}.out.png"]
        for i, p in enumerate(paths):
            if p.exists():
                sheet.paste(cell(p), (i * CELL_W, LABEL + r * CELL_H))
    sheet.save(out, optimize=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])

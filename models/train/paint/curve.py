"""The learning curve as a PNG: held-out style and content distance against step, from val.csv
(at the training scale and, from when each was added, at 1280x720 and at 1280x720 with sharp styles).

  /usr/bin/python3 -m models.train.paint.curve models/train/paint/run/val.csv models/paint/learning-curve.png
(PIL only: Debian's python3 here has no matplotlib.) Stage boundaries are drawn as grey lines.
"""
import csv
import sys

from PIL import Image, ImageDraw

W, H, PAD = 720, 300, 44


def panel(draw, box, series, label, x_max):
    """series: [(xs, ys, colour, name)], drawn on one shared scale."""
    x0, y0, x1, y1 = box
    every = [y for _, ys, _, _ in series for y in ys]
    lo, hi = min(every), max(every)
    lo, hi = lo - 0.05 * (hi - lo + 1e-9), hi + 0.05 * (hi - lo + 1e-9)
    pt = lambda x, y: (x0 + (x1 - x0) * x / x_max, y1 - (y1 - y0) * (y - lo) / (hi - lo))
    draw.rectangle(box, outline=(160, 160, 160))
    draw.text((x0 + 6, y0 + 4), label, fill=(0, 0, 0))
    for k, (xs, ys, colour, name) in enumerate(series):
        if len(xs) > 1:
            draw.line([pt(x, y) for x, y in zip(xs, ys)], fill=colour, width=2)
        draw.text((x0 + 6, y0 + 18 + 14 * k), name, fill=colour)
    for v in (lo, hi):
        draw.text((x0 - PAD + 2, pt(0, v)[1] - 6), f"{v:.2f}" if hi < 10 else f"{v:.1f}", fill=(0, 0, 0))


def main(src, out):
    rows = list(csv.DictReader(open(src)))
    steps = [int(r["step"]) for r in rows]
    x_max = max(steps)
    img = Image.new("RGB", (W, 2 * H), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    boxes = [(PAD, 20, W - 10, H - 20), (PAD, H + 10, W - 10, 2 * H - 30)]
    def series(column, colour, name):
        have = [r for r in rows if r.get(column)]
        return [int(r["step"]) for r in have], [float(r[column]) for r in have], colour, name

    panel(draw, boxes[0], [series("val_style", (200, 40, 40), "256x256 crops"),
                           series("val720_style", (120, 0, 120), "1280x720 frames"),
                           series("valsharp720_style", (220, 120, 0), "1280x720, sharp styles")], "held-out style distance", x_max)
    panel(draw, boxes[1], [series("val_content", (40, 80, 200), "256x256 crops"),
                           series("val720_content", (0, 140, 140), "1280x720 frames"),
                           series("valsharp720_content", (140, 100, 0), "1280x720, sharp styles")], "held-out content distance", x_max)
    for a, b in zip(rows, rows[1:]):
        if a["stage"] != b["stage"]:
            for x0, y0, x1, y1 in boxes:
                x = x0 + (x1 - x0) * int(a["step"]) / x_max
                draw.line([(x, y0), (x, y1)], fill=(180, 180, 180))
                draw.text((x + 3, y1 - 14), b["stage"], fill=(120, 120, 120))
    draw.text((W // 2 - 20, 2 * H - 18), f"step (0..{x_max})", fill=(0, 0, 0))
    img.save(out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])

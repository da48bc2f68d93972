#!/usr/bin/python3
"""Reproduce the Magenta teacher's eval figures with the imported network (a check, not a test).

    PYTHONPATH=. /usr/bin/python3 test/models/magenta_figures.py WEIGHTS_DIR EVAL_DIR OUT_DIR [--quantize] [--resize bilinear|bicubic|antialias]

Stylizes each EVAL_DIR/eN.content.jpg (full size) with eN.style.jpg resized to 256×256, writes
OUT_DIR/eN.out.png beside links to the pair, and prints stylemetrics.py's `pairs` figures, which
../shared/data/eval/teacher-scores.json holds for the published TFLite runtime.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from models.importers.magenta import load_magenta


def to_tensor(img):
    return torch.from_numpy(np.asarray(img, np.float32) / 255).permute(2, 0, 1)[None]


def main():
    weights, eval_dir, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    quantize = "--quantize" in sys.argv
    resize = sys.argv[sys.argv.index("--resize") + 1] if "--resize" in sys.argv else "bilinear"
    torch.set_num_threads(2)
    out.mkdir(parents=True, exist_ok=True)
    predictor, transformer = load_magenta(weights, quantize_activations=quantize)
    for content_path in sorted(eval_dir.glob("e*.content.jpg")):
        name = content_path.name.split(".")[0]
        style_path = eval_dir / f"{name}.style.jpg"
        style_img = Image.open(style_path).convert("RGB")
        if resize == "antialias":
            style = torch.nn.functional.interpolate(to_tensor(style_img), size=(256, 256), mode="bilinear", antialias=True)
        else:
            style = to_tensor(style_img.resize((256, 256), Image.BICUBIC if resize == "bicubic" else Image.BILINEAR))
        content = to_tensor(Image.open(content_path).convert("RGB"))
        with torch.no_grad():
            y = transformer(content, predictor.graph(style).flatten(1))
        arr = (y[0].permute(1, 2, 0).numpy() * 255).round().clip(0, 255).astype(np.uint8)
        Image.fromarray(arr).save(out / f"{name}.out.png")
        for kind, src in (("content", content_path), ("style", style_path)):
            link = out / f"{name}.{kind}.jpg"
            if not link.exists():
                link.symlink_to(src)
    tools = Path(__file__).resolve().parents[3] / "shared" / "tools" / "stylemetrics.py"
    tools = tools if tools.exists() else Path("/work/shared/tools/stylemetrics.py")
    figures = json.loads(subprocess.run([sys.executable, str(tools), "pairs", str(out)], check=True,
                                        capture_output=True, text=True).stdout)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The imported Magenta network run in torch, to compare with its ONNX export.

    PYTHONPATH=. /usr/bin/python3 test/models/magenta_reference.py WEIGHTS_DIR CONTENT.png STYLE.png ALPHA OUT.raw

STYLE.png is already at the style size. Writes the stylized content as packed RGB bytes to OUT.raw
and prints {"code": [...]} — the same modules magenta.py exports, run eagerly.
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from models.importers.magenta import StyleEncoder, Stylizer, load_magenta


def frames(path):
    return torch.from_numpy(np.asarray(Image.open(path).convert("RGB"), np.uint8).copy())[None]


def main():
    weights, content, style, alpha, out = sys.argv[1:6]
    torch.set_num_threads(2)
    predictor, transformer = load_magenta(weights)
    with torch.no_grad():
        code = StyleEncoder(predictor)(frames(style))
        y = Stylizer(predictor, transformer)(frames(content), code, torch.tensor([[float(alpha)]]))
    Path(out).write_bytes(y[0].numpy().tobytes())
    print(json.dumps({"code": code[0].tolist()}))


if __name__ == "__main__":
    main()

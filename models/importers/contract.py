"""What every importer shares: the stylecast model contract (see docs/models.md, "The model
contract"), the one-line error a CLI user sees, and writing a model folder safely.

A model folder holds `model.json`, `style_encoder.onnx` (`style` uint8 [1,H,W,3] → `code` float32
[1,K]) and `stylizer.onnx` (`image` uint8 [N,H,W,3], `code` float32 [N,K], `alpha` float32 [N,L] →
`stylized` uint8 [N,H,W,3]). Scaling, layout and rounding live inside the graphs.
"""
import hashlib
import json
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

import torch

from models.importers.tflite_reader import TfliteError

OPSET = 17  # the newest opset onnxruntime-node 1.30 and torch 1.13's exporter both support
MODELS_HOME = Path.home() / ".stylecast" / "models"


class WeightsError(Exception):
    """Weights that cannot be imported: missing, truncated, of the wrong format or shape."""


def fail(message):
    raise WeightsError(message)


def run_cli(main):
    """Run an importer's main(); a bad input ends as one line on stderr and exit status 1."""
    verbose = "--verbose" in sys.argv
    try:
        main()
    except (WeightsError, TfliteError) as e:
        if verbose:
            raise
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def frames_to_float(image):
    """uint8 [N,H,W,3] RGB → float32 [N,3,H,W] in 0..1."""
    return image.permute(0, 3, 1, 2).to(torch.float32) / 255.0


def float_to_frames(x):
    """float [N,3,H,W] in 0..1 → uint8 [N,H,W,3], rounded and clamped."""
    return torch.clamp(torch.round(x * 255.0), 0.0, 255.0).to(torch.uint8).permute(0, 2, 3, 1)


def _export(module, args, path, input_names, output_names, dynamic_axes):
    module.eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's tracer notes are not the user's concern
        torch.onnx.export(module, args, str(path), input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True)
    import onnx

    onnx.checker.check_model(onnx.load(str(path)))


def write_model(out, meta, style_encoder, stylizer, example_size=(64, 64)):
    """Export both graphs and model.json into the folder `out`, atomically.

    `style_encoder(style uint8 [1,H,W,3]) → code [1,K]` and
    `stylizer(image uint8 [N,H,W,3], code [N,K], alpha [N,L]) → uint8 [N,H,W,3]` are torch modules.
    The folder is built beside `out` under a temporary name and renamed when complete; an
    existing model folder at `out` is replaced.
    """
    out = Path(out).expanduser().resolve()
    if out.exists() and not out.is_dir():
        fail(f"{out} exists and is not a folder; choose another --out")
    if out.exists() and not (out / "model.json").exists() and any(out.iterdir()):
        fail(f"{out} exists and is not a stylecast model folder; choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        k, levels = meta["codeSize"], meta["levels"]
        side = meta["styleSize"]
        h, w = example_size
        _export(style_encoder, (torch.zeros(1, side, side, 3, dtype=torch.uint8),),
                tmp / "style_encoder.onnx", ["style"], ["code"], {"style": {1: "H", 2: "W"}})
        _export(stylizer, (torch.zeros(1, h, w, 3, dtype=torch.uint8), torch.zeros(1, k), torch.ones(1, levels)),
                tmp / "stylizer.onnx", ["image", "code", "alpha"], ["stylized"],
                {"image": {0: "N", 1: "H", 2: "W"}, "code": {0: "N"}, "alpha": {0: "N"},
                 "stylized": {0: "N", 1: "H", 2: "W"}})
        full = {"name": meta["name"], "family": meta["family"], "styleEncoder": "style_encoder.onnx",
                "stylizer": "stylizer.onnx", "codeSize": k, "levels": levels,
                "sizeMultiple": meta["sizeMultiple"], "styleSize": side, "license": meta["license"],
                "source": meta["source"]}
        (tmp / "model.json").write_text(json.dumps(full, indent=2) + "\n")
        os.chmod(tmp, 0o755)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


"""Import Magenta's arbitrary image stylization network (Ghiasi et al., BMVC 2017) from its int8
TFLite release into a stylecast model folder.

    /usr/bin/python3 -m models.importers.magenta --weights DIR [--out DIR] [--name NAME]

DIR holds `prediction_int8.tflite` (the MobileNetV2 style predictor: RGB 256×256 in 0..1 → a
100-d style vector) and `transfer_int8.tflite` (the style transformer). The files are parsed by
tflite_reader.py (no TensorFlow needed), their int8 weights dequantized, and both networks rebuilt
as torch modules (tflite_torch.py) and exported as the contract's two ONNX graphs:

- style_encoder.onnx: `style` uint8 [1,H,W,3] → `code` float32 [1,100], the style vector. The
  graph resizes to 256×256 itself (bilinear; an identity when the runtime already did, as it does
  with styleSize 256).
- stylizer.onnx: `image` uint8 [N,H,W,3] (H, W multiples of 4), `code` [N,100], `alpha` [N,1] →
  `stylized` uint8 [N,H,W,3].

Alpha (levels = 1) works the way Magenta's own demo blends strength: the transformer receives
alpha × code + (1 − alpha) × (the style vector of the content frame itself), so alpha 0 is the
network's unstyled rendering of the content — its "reconstruction" — and 1 is full style. The
content's own vector comes from the style predictor run inside the stylizer on the frame shrunk to
256×256 (bilinear to 1024×1024, then a 4×4 box average, so large frames do not alias): one
MobileNetV2 pass at 256×256 per frame, small beside the transformer's work at 720p.

Teacher API (for training a student against this network, in torch, no ONNX involved):

    from models.importers.magenta import load_magenta   # from the repository root
    predictor, transformer = load_magenta("/path/to/magenta-arbitrary-v1-256-int8")
    code = predictor(style)            # style: float [N,3,H,W] RGB in 0..1 → [N,100]
    out = transformer(content, code)   # content: float [N,3,H,W] in 0..1, H, W multiples of 4
                                       #   → float [N,3,H,W] in 0..1
    mixed = transformer.blend(content, code, alpha)   # alpha [N] or float, as the stylizer does

Both are eval-mode nn.Modules whose weights are buffers (nothing to train; gradients flow to the
inputs). `load_magenta(..., quantize_activations=True)` also rounds every activation to its int8
grid as TFLite's integer kernels do — closer to the published runtime's numbers, but without
gradients.
"""
import argparse
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from models.importers.contract import MODELS_HOME, fail, float_to_frames, frames_to_float, run_cli, sha256, write_model
from models.importers.tflite_reader import read_tflite
from models.importers.tflite_torch import TfliteGraph

PREDICTOR_FILE = "prediction_int8.tflite"
TRANSFORMER_FILE = "transfer_int8.tflite"
STYLE_SIDE = 256
CODE_SIZE = 100
DEFAULT_NAME = "magenta-arbitrary"
LICENSE = ("Apache-2.0 (Magenta arbitrary image stylization, Ghiasi et al. 2017; "
           "weights from the int8 TFLite release)")


class MagentaStylePredictor(nn.Module):
    """MobileNetV2 style predictor: float RGB [N,3,H,W] in 0..1 → style vector [N,100]."""

    def __init__(self, graph):
        super().__init__()
        self.graph = graph

    def forward(self, style):
        if style.shape[-2:] != (STYLE_SIDE, STYLE_SIDE):
            style = F.interpolate(style, size=(STYLE_SIDE, STYLE_SIDE), mode="bilinear",
                                  align_corners=False, antialias=True)
        return self.graph(style).flatten(1)


class MagentaTransformer(nn.Module):
    """Style transformer: content [N,3,H,W] in 0..1 (H, W multiples of 4) and style vector
    [N,100] → stylized [N,3,H,W] in 0..1."""

    def __init__(self, graph, predictor):
        super().__init__()
        self.graph = graph
        self._predictor = [predictor]  # a reference, not a submodule: its weights stay in the predictor

    def forward(self, content, code):
        return self.graph(content, code[:, :, None, None])

    def content_code(self, content):
        """The style vector of the content image itself, from a 256×256 shrink of it."""
        small = F.interpolate(content, size=(4 * STYLE_SIDE, 4 * STYLE_SIDE), mode="bilinear", align_corners=False)
        small = F.avg_pool2d(small, 4)
        return self._predictor[0].graph(small).flatten(1)

    def blend(self, content, code, alpha):
        """Magenta's strength control: alpha × code + (1 − alpha) × the content's own code."""
        alpha = torch.as_tensor(alpha, dtype=content.dtype).reshape(-1, 1)
        mixed = alpha * code + (1.0 - alpha) * self.content_code(content)
        return self.forward(content, mixed)


def _check_predictor(model, path):
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        fail(f"{path}: expected a style predictor with 1 input and 1 output, found "
             f"{len(model.inputs)} and {len(model.outputs)}")
    shape_in = model.tensors[model.inputs[0]].shape
    shape_out = model.tensors[model.outputs[0]].shape
    if shape_in[1:] != [STYLE_SIDE, STYLE_SIDE, 3] or shape_out[-1] != CODE_SIZE:
        fail(f"{path}: expected a style predictor [1,{STYLE_SIDE},{STYLE_SIDE},3] → [..,{CODE_SIZE}], "
             f"found {shape_in} → {shape_out}")


def _check_transformer(model, path):
    shapes = [model.tensors[i].shape for i in model.inputs]
    if len(shapes) != 2 or len(shapes[0]) != 4 or shapes[0][3] != 3 or shapes[1][-1] != CODE_SIZE:
        fail(f"{path}: expected a transformer with inputs [1,H,W,3] and [..,{CODE_SIZE}], found {shapes}")


def _read(path, role):
    path = Path(path)
    if not path.is_file():
        fail(f"{path}: {role} file not found")
    return read_tflite(path)


def load_magenta(weights_dir, quantize_activations=False):
    """(MagentaStylePredictor, MagentaTransformer) from a folder with the two int8 TFLite files."""
    weights_dir = Path(weights_dir).expanduser()
    pred_path, tran_path = weights_dir / PREDICTOR_FILE, weights_dir / TRANSFORMER_FILE
    pred, tran = _read(pred_path, "style predictor"), _read(tran_path, "transformer")
    _check_predictor(pred, pred_path)
    _check_transformer(tran, tran_path)
    try:
        predictor = MagentaStylePredictor(TfliteGraph(pred, quantize_activations)).eval()
        transformer = MagentaTransformer(TfliteGraph(tran, quantize_activations), predictor).eval()
        with torch.no_grad():  # one small run shakes out weights whose shapes do not fit together
            code = predictor(torch.zeros(1, 3, STYLE_SIDE, STYLE_SIDE))
            transformer(torch.zeros(1, 3, 16, 16), code)
    except RuntimeError as e:
        fail(f"{weights_dir}: the weights do not fit the network: {str(e).splitlines()[0]}")
    return predictor, transformer


class StyleEncoder(nn.Module):
    def __init__(self, predictor):
        super().__init__()
        self.predictor = predictor

    def forward(self, style):
        x = F.interpolate(frames_to_float(style), size=(STYLE_SIDE, STYLE_SIDE), mode="bilinear", align_corners=False)
        return self.predictor.graph(x).flatten(1)


class Stylizer(nn.Module):
    def __init__(self, predictor, transformer):
        super().__init__()
        self.predictor = predictor  # registered here so the export sees its weights
        self.transformer = transformer

    def forward(self, image, code, alpha):
        content = frames_to_float(image)
        a = alpha[:, :1]
        mixed = a * code + (1.0 - a) * self.transformer.content_code(content)
        return float_to_frames(self.transformer(content, mixed))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weights", required=True, help=f"folder with {PREDICTOR_FILE} and {TRANSFORMER_FILE}")
    ap.add_argument("--name", default=DEFAULT_NAME, help=f"model name (default {DEFAULT_NAME})")
    ap.add_argument("--out", help=f"model folder to write (default {MODELS_HOME}/NAME)")
    ap.add_argument("--verbose", action="store_true", help="show the stack on failure")
    args = ap.parse_args()
    weights = Path(args.weights).expanduser()
    if not weights.is_dir():
        fail(f"{weights}: weights folder not found")
    predictor, transformer = load_magenta(weights)
    meta = {
        "name": args.name, "family": "magenta", "codeSize": CODE_SIZE, "levels": 1, "sizeMultiple": 4,
        "styleSize": STYLE_SIDE, "license": LICENSE,
        "source": (f"imported by models/importers/magenta.py from {PREDICTOR_FILE} (sha256 "
                   f"{sha256(weights / PREDICTOR_FILE)[:16]}) and {TRANSFORMER_FILE} (sha256 "
                   f"{sha256(weights / TRANSFORMER_FILE)[:16]}); alpha blends the style vector with the "
                   f"content frame's own"),
    }
    out = write_model(args.out or MODELS_HOME / args.name, meta, StyleEncoder(predictor),
                      Stylizer(predictor, transformer))
    print(out)


if __name__ == "__main__":
    torch.set_num_threads(min(2, torch.get_num_threads()))
    run_cli(main)

"""Import AdaIN (Huang & Belongie, "Arbitrary Style Transfer in Real-time with Adaptive Instance
Normalization", ICCV 2017) from PyTorch weights into a stylecast model folder.

    /usr/bin/python3 -m models.importers.adain --encoder vgg_normalised.pth --decoder decoder.pth \
        [--out DIR] [--name NAME] [--style-size 512] [--license TEXT]

The encoder is the "normalised" VGG-19 as an nn.Sequential state_dict: index 0 a 1×1 conv 3→3
(RGB in 0..1 → mean-subtracted BGR×255), then 3×3 convs, each behind a ReflectionPad2d(1) and
followed by a ReLU, with 2×2 max pools (ceil mode) between the blocks. The decoder mirrors it:
pad/conv/ReLU with nearest ×2 upsampling where the encoder pooled, ending in a conv to 3
channels. The layer positions are read from the state_dict keys (a key `N.weight` is module N), so
the AdaIN release (`vgg_normalised.pth`, the whole VGG-19, + `decoder.pth`, which starts 512→256:
cut at relu4_1) and pairs cut at relu3_1 (the WCT release's `vgg_normalised_conv3_1.pth` +
`feature_invertor_conv3_1.pth`, decoder starting 256→128) both import. The cut is where the
decoder starts: the encoder is used up to the ReLU after its first conv with as many output
channels as the decoder's first conv takes in; deeper encoder layers are ignored.

The contract model (levels = 1):
- style_encoder.onnx: `style` uint8 [1,H,W,3] → `code` float32 [1,2C]: the per-channel mean
  (first C) and standard deviation (last C, unbiased variance + 1e-5, as AdaIN's calc_mean_std)
  of the encoder's deepest features.
- stylizer.onnx: encode the content, AdaIN with the code, lerp by alpha with the content
  features (alpha 0: the decoder's reconstruction of the content), decode, clamp to 0..1.
sizeMultiple is 2^(number of pools): 4 at relu3_1, 8 at relu4_1.
"""
import argparse
import pickle
import re
import zipfile
from pathlib import Path

import torch
import torch.nn as nn

from models.importers.contract import MODELS_HOME, fail, float_to_frames, frames_to_float, run_cli, sha256, write_model

EPS = 1e-5
RELU_NAMES = {64: "relu1_1", 128: "relu2_1", 256: "relu3_1", 512: "relu4_1"}
DEFAULT_LICENSE = ("as published with the weights (AdaIN's PyTorch release: MIT; "
                   "VGG-19 weights: Simonyan & Zisserman, Oxford VGG)")


def read_state_dict(path, role):
    """A state_dict {key: tensor} from a .pth file, or a WeightsError saying what is wrong."""
    path = Path(path)
    if not path.is_file():
        fail(f"{path}: {role} file not found")
    with open(path, "rb") as f:
        head = f.read(4)
    is_zip, is_pickle = head[:2] == b"PK", head[:1] == b"\x80"
    if not (is_zip or is_pickle):
        fail(f"{path}: not a PyTorch weights file (expected a .pth state_dict, found bytes {head!r})")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)  # tensors only: no code runs
    except pickle.UnpicklingError as e:
        reason = str(e).split("WeightsUnpickler error: ")[-1].splitlines()[0]
        if reason.startswith("Unsupported"):  # a pickled object that is not a tensor or container
            fail(f"{path}: holds Python objects besides tensors ({reason}); import only plain state_dicts")
        fail(f"{path}: cannot read the {role} weights, the file is truncated or corrupt ({reason})")
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError, OSError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        fail(f"{path}: cannot read the {role} weights, the file is truncated or corrupt ({reason})")
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not state or not all(isinstance(v, torch.Tensor) for v in state.values()):
        fail(f"{path}: not a state_dict of tensors (found {type(state).__name__})")
    return {k: v.float() for k, v in state.items()}


def conv_layers(state, path, role):
    """[(module index, weight, bias)] sorted by index, from keys `N.weight` / `N.bias`."""
    layers = {}
    for key, value in state.items():
        m = re.fullmatch(r"(\d+)\.(weight|bias)", key)
        if not m:
            fail(f"{path}: unexpected key {key!r} in the {role} state_dict (expected 'N.weight' / 'N.bias')")
        layers.setdefault(int(m.group(1)), {})[m.group(2)] = value
    out = []
    for index in sorted(layers):
        w, b = layers[index].get("weight"), layers[index].get("bias")
        if w is None or b is None:
            fail(f"{path}: {role} layer {index} has no {'weight' if w is None else 'bias'}")
        if w.dim() != 4 or b.shape != (w.shape[0],):
            fail(f"{path}: {role} layer {index} has the wrong shapes: weight {list(w.shape)}, bias {list(b.shape)}")
        out.append((index, w, b))
    return out


def _check_chain(convs, path, role):
    for (i, w, _), (j, w2, _) in zip(convs, convs[1:]):
        if w2.shape[1] != w.shape[0]:
            fail(f"{path}: wrong shapes: {role} layer {j} takes {w2.shape[1]} channels but layer {i} "
                 f"gives {w.shape[0]}")


def build_encoder(state, path, channels):
    """The VGG encoder up to the ReLU after its first conv with `channels` outputs; (module, pools)."""
    convs = conv_layers(state, path, "encoder")
    first = convs[0]
    if first[0] != 0 or list(first[1].shape) != [3, 3, 1, 1]:
        fail(f"{path}: wrong shapes: expected the encoder to start with a 1×1 conv 3→3 at index 0, "
             f"found layer {first[0]} with weight {list(first[1].shape)}")
    _check_chain(convs, path, "encoder")
    layers, pools, position = [nn.Conv2d(3, 3, 1)], 0, 1
    for k, (index, w, _) in enumerate(convs[1:], start=1):
        gap = index - position
        if gap == 2:  # a max pool, then the pad
            layers.append(nn.MaxPool2d(2, 2, ceil_mode=True))
            pools += 1
        elif gap != 1:
            fail(f"{path}: wrong layout: encoder conv at index {index} does not follow the VGG layout "
                 f"(previous module {position - 1})")
        if w.shape[2:] != (3, 3):
            fail(f"{path}: wrong shapes: encoder layer {index} is {list(w.shape)}, expected a 3×3 conv")
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(w.shape[1], w.shape[0], 3), nn.ReLU()]
        position = index + 2
        if w.shape[0] == channels:
            net = nn.Sequential(*layers)
            used = {f"{i}.{p}": state[f"{i}.{p}"] for i, _, _ in convs[: k + 1] for p in ("weight", "bias")}
            net.load_state_dict(used)
            return net.eval(), pools
    widths = [int(w.shape[0]) for _, w, _ in convs]
    fail(f"{path}: wrong shapes: the decoder takes {channels}-channel features but no encoder conv "
         f"gives {channels} channels (encoder convs give {widths})")


def build_decoder(state, path):
    """The mirrored decoder; (module, input channels, upsamplings)."""
    convs = conv_layers(state, path, "decoder")
    _check_chain(convs, path, "decoder")
    if convs[0][0] != 1:
        fail(f"{path}: wrong layout: expected the decoder's first conv at index 1 (after a pad), "
             f"found index {convs[0][0]}")
    layers, ups, position = [], 0, 0
    for k, (index, w, _) in enumerate(convs):
        gap = index - position
        if gap == 2:  # nearest ×2, then the pad
            layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
            ups += 1
        elif gap != 1:
            fail(f"{path}: wrong layout: decoder conv at index {index} does not follow the mirrored VGG layout")
        if w.shape[2:] != (3, 3):
            fail(f"{path}: wrong shapes: decoder layer {index} is {list(w.shape)}, expected a 3×3 conv")
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(w.shape[1], w.shape[0], 3)]
        if k < len(convs) - 1:
            layers.append(nn.ReLU())
        position = index + 2
    if convs[-1][1].shape[0] != 3:
        fail(f"{path}: wrong shapes: the decoder's last conv gives {convs[-1][1].shape[0]} channels, expected 3 (RGB)")
    net = nn.Sequential(*layers)
    net.load_state_dict(state)
    return net.eval(), int(convs[0][1].shape[1]), ups


def mean_std(features):
    """Per-channel mean and std ([N,C] each) of [N,C,H,W], as AdaIN's calc_mean_std."""
    flat = features.flatten(2)
    return flat.mean(2), (flat.var(2, unbiased=True) + EPS).sqrt()


class AdainNetwork(nn.Module):
    """encoder → AdaIN → decoder in torch, on float RGB [N,3,H,W] in 0..1."""

    def __init__(self, encoder, decoder, channels):
        super().__init__()
        self.encoder, self.decoder, self.channels = encoder, decoder, channels

    def code(self, style):
        mean, std = mean_std(self.encoder(style))
        return torch.cat([mean, std], 1)

    def forward(self, content, code, alpha):
        f = self.encoder(content)
        mean_c, std_c = mean_std(f)
        mean_s, std_s = code[:, : self.channels], code[:, self.channels:]
        t = (f - mean_c[..., None, None]) / std_c[..., None, None] * std_s[..., None, None] + mean_s[..., None, None]
        a = alpha[:, :1, None, None]
        return self.decoder(a * t + (1.0 - a) * f)


def load_adain(encoder_path, decoder_path):
    """(AdainNetwork, cut name, pools) from the two .pth files; WeightsError when they do not fit."""
    enc_state = read_state_dict(encoder_path, "encoder")
    dec_state = read_state_dict(decoder_path, "decoder")
    decoder, channels, ups = build_decoder(dec_state, decoder_path)
    encoder, pools = build_encoder(enc_state, encoder_path, channels)
    if pools != ups:
        fail(f"{decoder_path}: wrong shapes: the decoder upsamples {ups} times but the encoder pools "
             f"{pools} times up to its {channels}-channel layer")
    return AdainNetwork(encoder, decoder, channels), RELU_NAMES.get(channels, f"{channels}ch"), pools


class StyleEncoder(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, style):
        return self.net.code(frames_to_float(style))


class Stylizer(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, image, code, alpha):
        return float_to_frames(self.net(frames_to_float(image), code, alpha))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--encoder", required=True, help="VGG-19 encoder state_dict (vgg_normalised.pth)")
    ap.add_argument("--decoder", required=True, help="decoder state_dict (decoder.pth)")
    ap.add_argument("--name", help="model name (default adain-<cut>, e.g. adain-relu4_1)")
    ap.add_argument("--out", help=f"model folder to write (default {MODELS_HOME}/NAME)")
    ap.add_argument("--style-size", type=int, default=512, help="side the runtime resizes a style image to (512)")
    ap.add_argument("--license", default=DEFAULT_LICENSE, help="licence of the weights, for model.json")
    ap.add_argument("--verbose", action="store_true", help="show the stack on failure")
    args = ap.parse_args()
    if args.style_size < 16:
        fail(f"Expected `--style-size` to be at least 16, got `{args.style_size}`")
    net, cut, pools = load_adain(args.encoder, args.decoder)
    name = args.name or f"adain-{cut}"
    enc, dec = Path(args.encoder), Path(args.decoder)
    meta = {
        "name": name, "family": "adain", "codeSize": 2 * net.channels, "levels": 1,
        "sizeMultiple": 2 ** pools, "styleSize": args.style_size, "license": args.license,
        "source": (f"imported by models/importers/adain.py from {enc.name} (sha256 {sha256(enc)[:16]}) and "
                   f"{dec.name} (sha256 {sha256(dec)[:16]}), VGG-19 cut at {cut}"),
    }
    out = write_model(args.out or MODELS_HOME / name, meta, StyleEncoder(net), Stylizer(net),
                      example_size=(4 * 2 ** pools, 4 * 2 ** pools))
    print(out)


if __name__ == "__main__":
    torch.set_num_threads(min(2, torch.get_num_threads()))
    run_cli(main)

#!/usr/bin/python3
"""A PyTorch reference for the AdaIN importer, written independently of it: the networks are
spelled out layer by layer as AdaIN's own net.py (relu4_1) and the WCT release (relu3_1) define
them, and AdaIN is its function.py's calc_mean_std / adaptive_instance_normalization.

    /usr/bin/python3 test/models/adain_reference.py CUT ENCODER.pth DECODER.pth STYLE.png [CONTENT.png ALPHA OUT.raw]...

CUT is relu3_1 or relu4_1. STYLE.png is already at the model's style size. For each job writes the
stylized content as packed RGB bytes to OUT.raw; prints {"code": [...]} (style mean then std).
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
from PIL import Image


def pad():
    return nn.ReflectionPad2d((1, 1, 1, 1))


def vgg_normalised():
    """AdaIN's net.vgg: the whole normalised VGG-19 (relu1_1 = 3, relu3_1 = 17, relu4_1 = 30)."""
    return nn.Sequential(
        nn.Conv2d(3, 3, (1, 1)),
        pad(), nn.Conv2d(3, 64, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(64, 64, (3, 3)), nn.ReLU(),
        nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True),
        pad(), nn.Conv2d(64, 128, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(128, 128, (3, 3)), nn.ReLU(),
        nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True),
        pad(), nn.Conv2d(128, 256, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(256, 256, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(256, 256, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(256, 256, (3, 3)), nn.ReLU(),
        nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True),
        pad(), nn.Conv2d(256, 512, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(512, 512, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(512, 512, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(512, 512, (3, 3)), nn.ReLU(),
        nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True),
        pad(), nn.Conv2d(512, 512, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(512, 512, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(512, 512, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(512, 512, (3, 3)), nn.ReLU(),
    )


def decoder_relu4_1():
    """AdaIN's net.decoder."""
    up = lambda: nn.Upsample(scale_factor=2, mode="nearest")
    return nn.Sequential(
        pad(), nn.Conv2d(512, 256, (3, 3)), nn.ReLU(), up(),
        pad(), nn.Conv2d(256, 256, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(256, 256, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(256, 256, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(256, 128, (3, 3)), nn.ReLU(), up(),
        pad(), nn.Conv2d(128, 128, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(128, 64, (3, 3)), nn.ReLU(), up(),
        pad(), nn.Conv2d(64, 64, (3, 3)), nn.ReLU(),
        pad(), nn.Conv2d(64, 3, (3, 3)),
    )


def decoder_relu3_1():
    """The WCT release's relu3_1 feature invertor (layout in ../shared/weights/README.md)."""
    up = lambda: nn.Upsample(scale_factor=2, mode="nearest")
    return nn.Sequential(
        pad(), nn.Conv2d(256, 128, 3), nn.ReLU(), up(),
        pad(), nn.Conv2d(128, 128, 3), nn.ReLU(),
        pad(), nn.Conv2d(128, 64, 3), nn.ReLU(), up(),
        pad(), nn.Conv2d(64, 64, 3), nn.ReLU(),
        pad(), nn.Conv2d(64, 3, 3),
    )


def networks(cut, encoder_path, decoder_path):
    enc_state = torch.load(encoder_path, map_location="cpu")
    dec_state = torch.load(decoder_path, map_location="cpu")
    vgg = vgg_normalised()
    if cut == "relu4_1":
        vgg.load_state_dict(enc_state)
        encoder, decoder = vgg[:31], decoder_relu4_1()
    else:
        encoder, decoder = vgg[:18], decoder_relu3_1()
        encoder.load_state_dict(enc_state)
    decoder.load_state_dict(dec_state)
    return encoder.eval(), decoder.eval()


def calc_mean_std(feat, eps=1e-5):
    n, c = feat.size()[:2]
    feat_var = feat.view(n, c, -1).var(dim=2) + eps
    feat_std = feat_var.sqrt().view(n, c, 1, 1)
    feat_mean = feat.view(n, c, -1).mean(dim=2).view(n, c, 1, 1)
    return feat_mean, feat_std


def image(path):
    return torch.from_numpy(np.asarray(Image.open(path).convert("RGB"), np.float32) / 255).permute(2, 0, 1)[None]


def main():
    cut, enc, dec, style = sys.argv[1:5]
    jobs = sys.argv[5:]
    torch.set_num_threads(2)
    encoder, decoder = networks(cut, enc, dec)
    with torch.no_grad():
        fs = encoder(image(style))
        s_mean, s_std = calc_mean_std(fs)
        for content, alpha, out in zip(jobs[0::3], jobs[1::3], jobs[2::3]):
            alpha = float(alpha)
            fc = encoder(image(content))
            c_mean, c_std = calc_mean_std(fc)
            size = fc.size()
            t = (fc - c_mean.expand(size)) / c_std.expand(size) * s_std.expand(size) + s_mean.expand(size)
            t = alpha * t + (1 - alpha) * fc
            y = decoder(t).clamp(0, 1)
            pixels = (y[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
            Path(out).write_bytes(pixels.tobytes())
    print(json.dumps({"code": torch.cat([s_mean.flatten(), s_std.flatten()]).tolist()}))


if __name__ == "__main__":
    main()

"""The loss network every trainer and tool here shares, and stylemetrics' measures on it: VGG-19
(normalised) to relu3_1, from ../shared/weights, used only while training and measuring (never
shipped). The distances are ../shared/tools/stylemetrics.py's own."""
from pathlib import Path

import torch
import torch.nn as nn

SHARED_WEIGHTS = Path(__file__).resolve().parents[3] / "shared" / "weights"
WEIGHTS = SHARED_WEIGHTS / "vgg19-normalised-relu3_1" / "vgg_normalised_conv3_1.pth"


class VGG(nn.Module):
    """VGG-19 (normalised) to relu3_1, frozen: float [N,3,H,W] in 0..1 -> [relu1_1, relu2_1, relu3_1]."""

    TAPS = (3, 10, 17)

    def __init__(self, weights=WEIGHTS):
        super().__init__()
        pad, conv = (lambda: nn.ReflectionPad2d(1)), (lambda i, o: nn.Conv2d(i, o, 3))
        self.layers = nn.Sequential(
            nn.Conv2d(3, 3, 1), pad(), conv(3, 64), nn.ReLU(),
            pad(), conv(64, 64), nn.ReLU(), nn.MaxPool2d(2, 2, ceil_mode=True),
            pad(), conv(64, 128), nn.ReLU(),
            pad(), conv(128, 128), nn.ReLU(), nn.MaxPool2d(2, 2, ceil_mode=True),
            pad(), conv(128, 256), nn.ReLU(),
        )
        self.layers.load_state_dict(torch.load(weights, map_location="cpu"))
        self.requires_grad_(False).eval()

    def forward(self, x):
        out = []
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i in self.TAPS:
                out.append(x)
        return out


def feature_stats(feats):
    return [(f.flatten(2).mean(2), f.flatten(2).std(2, unbiased=False)) for f in feats]


def style_distance(out_stats, target_stats):
    """stylemetrics' style distance per sample [N]: sum over layers of |mean diff| + |std diff| (L2)."""
    d = 0
    for (ma, sa), (mb, sb) in zip(out_stats, target_stats):
        d = d + (ma - mb).norm(dim=1) + (sa - sb).norm(dim=1)
    return d


def instance_norm(f):
    m, s = feature_stats([f])[0]
    return (f - m[..., None, None]) / (s[..., None, None] + 1e-5)


def content_distance(out_relu3, content_relu3):
    """stylemetrics' content distance per sample [N]: mean squared difference of instance-normalised relu3_1."""
    return ((instance_norm(out_relu3) - instance_norm(content_relu3)) ** 2).flatten(1).mean(1)

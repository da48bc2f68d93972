"""Losses for the `paint` student. The VGG terms are stylemetrics' own measures (VGG-19 relu1_1,
relu2_1, relu3_1 of ../shared/weights, used only as the loss network)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class VGG(nn.Module):
    """VGG-19 (normalised) to relu3_1, frozen: float [N,3,H,W] in 0..1 -> [relu1_1, relu2_1, relu3_1]."""

    TAPS = (3, 10, 17)

    def __init__(self, weights):
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


def unpack_stats(flat, channels=(64, 128, 256)):
    """[N, 2*sum(channels)] (each layer's means then stds, as the cache stores them) -> [(mean, std)] per layer."""
    out, i = [], 0
    for c in channels:
        out.append((flat[:, i:i + c], flat[:, i + c:i + 2 * c]))
        i += 2 * c
    return out


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


def shift_error(y, y_shifted, dy, dx):
    """L1 between an output and the output of its input moved by (dy, dx), where they overlap: the
    4x4 block grid of the first and last layers must not show when the camera moves."""
    h, w = y.shape[1], y.shape[2]
    return (y[:, dy:, dx:] - y_shifted[:, :h - dy, :w - dx]).abs().mean()

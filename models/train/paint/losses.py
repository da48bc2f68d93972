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


def random_flow(n, h, w, gen, shift=3.0, wobble=1.5):
    """A small smooth random motion per sample, as a grid_sample grid [N,H,W,2]: a global shift of
    up to `shift` px plus a smooth field of up to `wobble` px (a 4x4 grid of offsets, upsampled)."""
    d = (torch.rand(n, 2, 1, 1, generator=gen) * 2 - 1) * shift
    d = d + F.interpolate((torch.rand(n, 2, 4, 4, generator=gen) * 2 - 1) * wobble, size=(h, w),
                          mode="bicubic", align_corners=True)
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    gx = (xs + d[:, 0]) / (w - 1) * 2 - 1
    gy = (ys + d[:, 1]) / (h - 1) * 2 - 1
    return torch.stack([gx, gy], 3)


def warp(img_nhwc, grid):
    """Resample NHWC images at the grid (bilinear); also returns where the samples fell inside."""
    out = F.grid_sample(img_nhwc.permute(0, 3, 1, 2), grid, mode="bilinear", padding_mode="border", align_corners=True)
    inside = (grid.abs() <= 1).all(3, keepdim=True).float()
    return out.permute(0, 2, 3, 1), inside


def temporal_error(y, y_moved, grid):
    """L1 between the output of a moved frame and the output moved the same way, where the motion
    stays inside the frame: the 4x4 block grid of the first and last layers, and the network's own
    texture, must move with the picture and not flicker. Costs nothing at run time."""
    yw, inside = warp(y, grid)
    return ((yw - y_moved).abs() * inside).sum() / (inside.sum() * y.shape[3] + 1e-6)

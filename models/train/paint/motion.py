"""Small smooth random camera motions: the temporal term compares the output of a moved crop with
the output moved the same way (losses.py), so every batch carries its crops moved (sources.py,
online.py)."""
import torch
import torch.nn.functional as F


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


def moved(x, gen):
    """Crops x (NHWC float 0..255) under a random motion with pixel noise, and the motion's grid."""
    grid = random_flow(len(x), x.shape[1], x.shape[2], gen)
    y, _ = warp(x, grid)
    return (y + torch.randn(y.shape, generator=gen) * 2.0).clamp(0, 255), grid

"""Losses for the `paint` student. The VGG terms are stylemetrics' own measures (../vgg.py: VGG-19
relu1_1, relu2_1, relu3_1 of ../shared/weights, used only as the loss network)."""
import torch
import torch.nn.functional as F


def unpack_stats(flat, channels=(64, 128, 256)):
    """[N, 2*sum(channels)] (each layer's means then stds, as the cache stores them) -> [(mean, std)] per layer."""
    out, i = [], 0
    for c in channels:
        out.append((flat[:, i:i + c], flat[:, i + c:i + 2 * c]))
        i += 2 * c
    return out


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

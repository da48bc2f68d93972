"""stylecast `fast`: a CPU-first encoder -> AdaIN -> decoder stylizer and its style encoder.

Layout (all of it inside the ONNX graphs):
  uint8 NHWC frame [N,H,W,3] is read, with a free reshape, as a one-channel image [N,1,H,3W]; a
  (4,12)-kernel, (4,12)-stride conv is then exactly "space-to-depth 4x4 + 1x1 conv" with no transpose.
  level 0  colour AdaIN: the frame's per-channel RGB mean/std (of its 4x4 block means) is moved to
           the style's by a per-channel affine map of the full-resolution frame
  levels 1-3  encoder E at 1/4 (C1), 1/8 (C2), 1/16 (C3) channels, one AdaIN per level
  decoder D: residual blocks at 1/16, nearest x2 + skip at 1/8 and 1/4, then a (4,12)-stride
           transposed conv writes the residual straight back in [N,1,H,3W] = NHWC layout (the colour
           offset rides along as three fixed extra channels of that same transposed conv)
  output = colour-mapped frame + residual, clamped, cast to uint8, reshaped to [N,H,W,3].
The full-resolution work is two casts, one multiply, one add, one clamp and the strided (transposed)
convs; everything else runs at 1/4 resolution or lower. The style code is [RGB mean, RGB std, then
per level the channel means and stds of E's features] on the style image resized to
STYLE_SIZE x STYLE_SIZE, so codes blend linearly and alpha (one per level) interpolates each level's
statistics between the frame's own (alpha 0: AdaIN is the identity) and the style's.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

STYLE_SIZE = 256
EPS = 1e-5


def conv(i, o, k=3, s=1):
    return nn.Conv2d(i, o, k, s, padding=k // 2)


def stats(f):
    mean = f.mean(dim=(2, 3))
    std = torch.sqrt(((f - mean[:, :, None, None]) ** 2).mean(dim=(2, 3)) + EPS)
    return mean, std


def as_rows(img_nhwc):
    """[N,H,W,3] -> [N,1,H,3W], a reshape (no data movement)."""
    n, h, w, _ = img_nhwc.shape
    return img_nhwc.reshape(n, 1, h, w * 3)


class Encoder(nn.Module):
    def __init__(self, c1, c2, c3):
        super().__init__()
        self.c = (c1, c2, c3)
        self.in_scale = 1.0 / 255.0  # folded into `inp` by Net.fold() for export
        self.inp = nn.Conv2d(1, c1, (4, 12), (4, 12))  # space-to-depth 4x4 + 1x1 conv, on raw 0..255
        self.l1 = conv(c1, c1)
        self.down2 = conv(c1, c2, 3, 2)
        self.l2 = conv(c2, c2)
        self.down3 = conv(c2, c3, 3, 2)
        self.l3 = conv(c3, c3)

    def forward(self, rows):
        """rows: float [N,1,H,3W] in 0..255 -> features at 1/4, 1/8, 1/16."""
        f1 = F.relu(self.l1(F.relu(self.inp(rows * self.in_scale if self.in_scale != 1.0 else rows))))
        f2 = F.relu(self.l2(F.relu(self.down2(f1))))
        f3 = F.relu(self.l3(F.relu(self.down3(f2))))
        return f1, f2, f3


def block_mean_weight():
    """Fixed (4,12)-stride kernel: the per-channel RGB mean of each 4x4 block of an NHWC row image."""
    w = torch.zeros(3, 1, 4, 12)
    for c in range(3):
        w[c, 0, :, c::3] = 1.0 / 16.0
    return w


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a = conv(c, c)
        self.b = conv(c, c)

    def forward(self, x):
        return x + self.b(F.relu(self.a(x)))


class Decoder(nn.Module):
    def __init__(self, c1, c2, c3, blocks):
        super().__init__()
        self.res = nn.Sequential(*[ResBlock(c3) for _ in range(blocks)])
        self.up2 = conv(c3, c2, 1)
        self.m2 = conv(c2, c2)
        self.up1 = conv(c2, c1, 1)
        self.m1 = conv(c1, c1)
        self.out = nn.ConvTranspose2d(c1, 1, (4, 12), (4, 12))  # 1/4-res features -> NHWC rows residual
        self.register_buffer("shift_kernel", block_mean_weight() * 16.0)  # routes 3 shift channels to R, G, B
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        self.out_scale = 255.0  # folded into `out` by Net.fold() for export

    def forward(self, g1, g2, g3, shift):
        """-> rows residual [N,1,H,3W]; `shift` [N,3] (the colour AdaIN's offset) is added per channel
        by the same transposed conv, through fixed extra input channels (no extra full-res op)."""
        y = self.res(g3)
        y = F.interpolate(self.up2(y), scale_factor=2.0, mode="nearest") + g2
        y = F.relu(self.m2(F.relu(y)))
        y = F.interpolate(self.up1(y), scale_factor=2.0, mode="nearest") + g1
        y = F.relu(self.m1(F.relu(y)))
        sh = shift[:, :, None, None].expand(-1, -1, y.shape[2], y.shape[3])
        w, b = self.out.weight, self.out.bias
        if self.out_scale != 1.0:
            w, b = w * self.out_scale, b * self.out_scale
        return F.conv_transpose2d(torch.cat([y, sh], 1), torch.cat([w, self.shift_kernel], 0), b, stride=(4, 12))


def adain(f, mean_c, std_c, mean_t, std_t):
    return (f - mean_c[:, :, None, None]) / std_c[:, :, None, None] * std_t[:, :, None, None] + mean_t[:, :, None, None]


class Net(nn.Module):
    """The trainable whole, on [N,1,H,3W] rows (an NHWC image reshaped) in 0..255.

    Level 0 is a colour AdaIN: the frame's RGB mean/std (of 4x4 block means) is moved to the
    style's, as a per-channel affine map of the full-resolution frame. Levels 1..3 are AdaIN on the
    encoder's features at 1/4, 1/8 and 1/16; the decoder's residual is added to the colour-mapped frame.
    """

    def __init__(self, c1=16, c2=32, c3=64, blocks=2):
        super().__init__()
        self.widths = (c1, c2, c3)
        self.enc = Encoder(c1, c2, c3)
        self.dec = Decoder(c1, c2, c3, blocks)
        self.register_buffer("block_mean", block_mean_weight())

    @property
    def levels(self):
        return 1 + len(self.widths)

    def colour_stats(self, rows):
        return stats(F.conv2d(rows, self.block_mean, stride=(4, 12)))

    @torch.no_grad()
    def fold(self):
        """Fold the 0..255 input and output scalings into the first and last layers (for export)."""
        self.enc.inp.weight.mul_(self.enc.in_scale)
        self.enc.in_scale = 1.0
        self.dec.out.weight.mul_(self.dec.out_scale)
        self.dec.out.bias.mul_(self.dec.out_scale)
        self.dec.out_scale = 1.0
        return self

    @property
    def code_size(self):
        return 6 + 2 * sum(self.widths)

    def code_of(self, feats):
        parts = []
        for f in feats:
            m, s = stats(f)
            parts += [m, s]
        return torch.cat(parts, 1)

    def split(self, code):
        """-> [(mean, std) of colour, then of each feature level]."""
        out, i = [], 0
        for c in (3,) + tuple(self.widths):
            out.append((code[:, i:i + c], code[:, i + c:i + 2 * c]))
            i += 2 * c
        return out

    def encode_style(self, rows):
        m, s = self.colour_stats(rows)
        return torch.cat([m, s, self.code_of(self.enc(rows))], 1)

    def stylize(self, rows, code, alpha):
        """rows float [N,1,H,3W] 0..255, code [N,K], alpha [N,4] -> rows float 0..255 (unclamped)."""
        targets = self.split(code)
        n, _, h, w3 = rows.shape
        mc, sc = self.colour_stats(rows)
        ms, ss = targets[0]
        a = alpha[:, 0:1]
        scale = (sc + a * (ss - sc)) / sc
        shift = mc + a * (ms - mc) - mc * scale
        scale_row = scale[:, None, None, None, :].expand(n, 1, 1, w3 // 3, 3).reshape(n, 1, 1, w3)
        feats = self.enc(rows)
        g = []
        for level, (f, (ms, ss)) in enumerate(zip(feats, targets[1:])):
            mc, sc = stats(f)
            a = alpha[:, level + 1:level + 2]
            g.append(adain(f, mc, sc, mc + a * (ms - mc), sc + a * (ss - sc)))
        return rows * scale_row + self.dec(*g, shift)


def nchw_to_rows(img):
    """float NCHW [N,3,H,W] -> [N,1,H,3W] (training helper)."""
    return as_rows(img.permute(0, 2, 3, 1))


def rows_to_nchw(rows):
    n, _, h, w3 = rows.shape
    return rows.reshape(n, h, w3 // 3, 3).permute(0, 3, 1, 2)


class StylizerGraph(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, image, code, alpha):
        n, h, w, _ = image.shape
        y = self.net.stylize(as_rows(image).float(), code, alpha)
        y = torch.clamp(y + 0.5, 0.0, 255.0).to(torch.uint8)
        return y.reshape(n, h, w, 3)


class StyleEncoderGraph(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, style):
        x = style.permute(0, 3, 1, 2).float()
        x = F.interpolate(x, size=(STYLE_SIZE, STYLE_SIZE), mode="bilinear", align_corners=False)
        return self.net.encode_style(nchw_to_rows(x))

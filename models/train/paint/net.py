"""stylecast `paint`: a real-time student of the Magenta arbitrary-style network.

Stylizer, on an NHWC uint8 frame read (free reshape) as rows [N,1,H,3W]:
  1/4   a (4,12)-stride conv = space-to-depth 4x4 + 1x1 conv            -> C1, ReLU   (skip s1)
  1/8   3x3 stride-2 conv, CIN, ReLU                                      -> C2         (skip s2)
  1/16  3x3 stride-2 conv, CIN, ReLU; residual blocks of two 3x3 convs with CIN
  1/8   1x1 conv, nearest x2, + s2, 3x3 conv, CIN, ReLU
  1/4   1x1 conv, nearest x2, + s1, 3x3 conv, CIN, ReLU
  out   a 1x1 conv to 48 channels (each pixel's 4x4 block, RGB), clamped and cast to uint8 at 1/4
        size, then a uint8 depth-to-space (two single-axis transposes) back to [N,H,W,3] (ORT's
        ConvTranspose would cost 4x more).
CIN (conditional instance norm) is folded to one per-channel multiply-add: with the layer's mean
and variance from GlobalAveragePool (of x and x*x), scale = gamma/sd and shift = beta - mean*scale,
so each conditioned layer costs two pooled reads and one elementwise pass, at 1/4 size or less.
At full resolution there are only the input cast, the first conv and the last uint8 transposes.

Style: a small conv net on the style image whose per-level channel means and stds go through an
MLP to the code (K floats). It reads the image as the model's `style_read` says: squashed to
256x256 (students before stage `read512`), or at a longer side of 512 with its aspect kept (the
size stylemetrics judges a style at, so the code sees the texture at the scale the output must
match; the runtime resizes it so: model.json `styleFit` "inside"). Each of the L levels (1/16,
1/8, 1/4) maps its code affinely to the gamma/beta of its CIN layers, so blending codes blends the modulation. Alpha per
level mixes the style's code with the frame's own code (the same style encoder on a 256x256
nearest subsample of the uint8 frame), Magenta's strength control: alpha 0 is the network's rendering of the
frame in its own style, trained to reproduce the frame.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

STYLE_SIZE = 256  # the frame's own code reads a 256x256 subsample (and a square-reading student a style)
EPS = 1e-5


def conv(i, o, k=3, s=1):
    return nn.Conv2d(i, o, k, s, padding=k // 2)


def gap(x):
    """Per-channel spatial mean as GlobalAveragePool in the exported graph (keeps ORT's NCHWc path)."""
    return F.adaptive_avg_pool2d(x, 1)


def mean_std(x):
    m = gap(x)
    return m, torch.sqrt(F.relu(gap(x * x) - m * m) + EPS)


def as_rows(img_nhwc):
    """[N,H,W,3] -> [N,1,H,3W], a reshape (no data movement)."""
    n, h, w, _ = img_nhwc.shape
    return img_nhwc.reshape(n, 1, h, w * 3)


def blocks_to_nhwc(y):
    """[N,48,h,w] (channel = (dy*4+dx)*3+c) -> [N,4h,4w,3]: depth-to-space straight to NHWC."""
    n, _, h, w = y.shape  # two single-axis moves: ORT has fast paths for those, not for one 6-D permute
    y = y.permute(0, 2, 3, 1).reshape(n, h, w, 4, 12)
    return y.permute(0, 1, 3, 2, 4).reshape(n, 4 * h, 4 * w, 3)


def own_sample(image):
    """uint8 [N,H,W,3] -> float [N,3,S,S], a nearest subsample (reads only S*S pixels of the frame)."""
    h, w = image.shape[1], image.shape[2]
    ys = (torch.arange(STYLE_SIZE) * h) // STYLE_SIZE
    xs = (torch.arange(STYLE_SIZE) * w) // STYLE_SIZE
    return image.index_select(1, ys).index_select(2, xs).permute(0, 3, 1, 2).float()


class CIN(nn.Module):
    """Conditional instance norm as one multiply-add; gamma, beta come from the level's code."""

    def __init__(self, c):
        super().__init__()
        self.c = c

    def forward(self, x, gb):
        gamma, beta = gb[:, :self.c, None, None], gb[:, self.c:, None, None]
        m, sd = mean_std(x)
        scale = gamma / sd
        return x * scale + (beta - m * scale)


class StyleNet(nn.Module):
    """Style image, float [N,3,S,S] in 0..255 -> code [N,K]."""

    def __init__(self, widths, code_size):
        super().__init__()
        chans = (3,) + tuple(widths)
        self.convs = nn.ModuleList(conv(chans[i], chans[i + 1], 3, 2) for i in range(len(widths)))
        stats = 2 * sum(chans)
        self.mlp = nn.Sequential(nn.Linear(stats, 256), nn.ReLU(), nn.Linear(256, code_size))

    def forward(self, x):
        x = x / 127.5 - 1.0
        parts = list(mean_std(x))
        for c in self.convs:
            x = F.relu(c(x))
            parts += mean_std(x)
        return self.mlp(torch.cat(parts, 1).flatten(1))


class Net(nn.Module):
    def __init__(self, widths=(32, 64, 128), blocks=1, style_widths=(16, 32, 64, 128), code_size=128,
                 style_read=None):
        super().__init__()
        c1, c2, c3 = widths
        self.style_read = style_read  # None: styles squashed to STYLE_SIZE^2; S: at a longer side of S
        self.widths, self.style_widths = tuple(widths), tuple(style_widths)
        self.code_size, self.levels = code_size, 3
        self.style = StyleNet(style_widths, code_size)
        self.in_scale, self.out_scale = 1.0 / 255.0, 255.0  # folded into inp/out by fold() for export
        self.inp = nn.Conv2d(1, c1, (4, 12), (4, 12))
        self.down2, self.down3 = conv(c1, c2, 3, 2), conv(c2, c3, 3, 2)
        self.res = nn.ModuleList(nn.ModuleList([conv(c3, c3), conv(c3, c3)]) for _ in range(blocks))
        self.lat2, self.up2 = conv(c3, c2, 1), conv(c2, c2)
        self.lat1, self.up1 = conv(c2, c1, 1), conv(c1, c1)
        self.out = conv(c1, 48, 1)
        nn.init.normal_(self.out.weight, std=0.01)  # start as mid-grey, not as noise at 255x scale
        nn.init.constant_(self.out.bias, 0.5)
        # conditioned layers per level (1/16, 1/8, 1/4) and their code -> (gamma, beta) maps
        level_chans = [[c3] + [c3, c3] * blocks, [c2, c2], [c1]]
        self.cin = nn.ModuleList(nn.ModuleList(CIN(c) for c in chans) for chans in level_chans)
        self.film = nn.ModuleList(nn.Linear(code_size, 2 * sum(chans)) for chans in level_chans)
        for f, chans in zip(self.film, level_chans):
            nn.init.normal_(f.weight, std=0.01)
            f.bias.data = torch.cat([torch.cat([torch.ones(c), torch.zeros(c)]) for c in chans])

    @torch.no_grad()
    def fold(self):
        """Fold the 0..255 scalings and the output's rounding offset (the uint8 cast truncates) into
        the first and last layers."""
        self.inp.weight.mul_(self.in_scale)
        self.out.weight.mul_(self.out_scale)
        self.out.bias.mul_(self.out_scale).add_(0.5)
        self.in_scale = self.out_scale = 1.0
        return self

    def encode_style(self, img):
        """float NCHW 0..255, read as `style_read` says (the caller resizes: data.Paintings.read) -> code."""
        return self.style(img)

    def modulation(self, code, own, alpha):
        """Per level, the CIN [gamma, beta] of each layer for the code mixed with the frame's own by
        alpha[:, level] (the film map lays them out layer after layer)."""
        out = []
        for lv, (f, cins) in enumerate(zip(self.film, self.cin)):
            a = alpha[:, lv:lv + 1]
            gb = f(own + a * (code - own))
            ends = torch.tensor([2 * c.c for c in cins]).cumsum(0).tolist()
            out.append([gb[:, e - 2 * c.c:e] for c, e in zip(cins, ends)])
        return out

    def stylize(self, image, code, alpha):
        """image uint8 (or integral float) [N,H,W,3], code [N,K], alpha [N,3] -> 4x4 blocks
        [N,48,H/4,W/4], float 0..255 unclamped (blocks_to_nhwc makes them a picture)."""
        m16, m8, m4 = self.modulation(code, self.style(own_sample(image)), alpha)
        rows = as_rows(image).float()
        x = rows * self.in_scale if self.in_scale != 1.0 else rows
        s1 = F.relu(self.inp(x))
        s2 = F.relu(self.cin[1][0](self.down2(s1), m8[0]))
        y = F.relu(self.cin[0][0](self.down3(s2), m16[0]))
        for k, (a, b) in enumerate(self.res):
            h = F.relu(self.cin[0][1 + 2 * k](a(y), m16[1 + 2 * k]))
            y = y + self.cin[0][2 + 2 * k](b(h), m16[2 + 2 * k])
        y = F.interpolate(self.lat2(y), scale_factor=2.0, mode="nearest") + s2
        y = F.relu(self.cin[1][1](self.up2(y), m8[1]))
        y = F.interpolate(self.lat1(y), scale_factor=2.0, mode="nearest") + s1
        y = F.relu(self.cin[2][0](self.up1(y), m4[0]))
        w, b = self.out.weight, self.out.bias
        if self.out_scale != 1.0:
            w, b = w * self.out_scale, b * self.out_scale
        return F.conv2d(y, w, b)

    def stylize_nhwc(self, image, code, alpha):
        """stylize's 4x4 blocks as a picture [N,H,W,3], float 0..255 unclamped (what training sees)."""
        return blocks_to_nhwc(self.stylize(image, code, alpha))


def net_of(model):
    """The network a `model` section (widths, blocks, style_widths, code_size) describes."""
    return Net(tuple(model["widths"]), model["blocks"], tuple(model["style_widths"]), model["code_size"],
               model.get("style_read"))


def net_from(cfg):
    """The network a config's `model` section describes (the architecture a run starts with)."""
    return net_of(cfg["model"])


def checkpoint_net(ck, weights="ema"):
    """A checkpoint's network with its `weights` (ema or model) loaded: its own architecture, which
    a stage's `grow` may have made larger than its config's `model` section."""
    net = net_of(ck.get("architecture", ck["config"]["model"]))
    net.load_state_dict(ck[weights])
    return net


@torch.no_grad()
def with_blocks(net, blocks):
    """A copy of `net` with `blocks` residual blocks at 1/16 that computes the same function: the
    added blocks' last CIN starts with gamma = beta = 0 (its film rows zero), so each new block adds
    nothing until training moves them; the first CIN of a new block starts as the others did."""
    old = len(net.res)
    assert blocks >= old, "a network only grows"
    grown = Net(net.widths, blocks, net.style_widths, net.code_size, net.style_read)
    keep = {k: v for k, v in net.state_dict().items() if not k.startswith("film.0.")}
    missing = grown.load_state_dict(keep, strict=False).missing_keys
    assert all(k.startswith(("res.", "film.0.")) for k in missing), missing
    c3 = net.widths[2]
    rows = 2 * c3 * (1 + 2 * old)  # film[0] lays out its layers in order: the old ones come first
    grown.film[0].weight[:rows] = net.film[0].weight
    grown.film[0].bias[:rows] = net.film[0].bias
    for k in range(old, blocks):
        last = 2 * c3 * (1 + 2 * k + 1)  # the rows of block k's second CIN
        grown.film[0].weight[last:last + 2 * c3] = 0.0
        grown.film[0].bias[last:last + 2 * c3] = 0.0
    return grown


class StylizerGraph(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, image, code, alpha):
        return blocks_to_nhwc(torch.clamp(self.net.stylize(image, code, alpha), 0.0, 255.0).to(torch.uint8))


class StyleEncoderGraph(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, style):
        """The style as the runtime passes it: squashed to STYLE_SIZE^2 here for a square-reading
        student; as it comes (the runtime has read it at `style_read`) for the others."""
        x = style.permute(0, 3, 1, 2).float()
        if self.net.style_read is None:
            x = F.interpolate(x, size=(STYLE_SIZE, STYLE_SIZE), mode="bilinear", align_corners=False)
        return self.net.encode_style(x)

"""The `paint` student's loss: each step's terms, summed with its stage's weights (config.json).

  distill       L1 (0..1) to the Magenta teacher's output for the same crop and painting
  teacher_code  MSE between a linear read-out of the student's code (`code_head`, training only)
                and the teacher's style vector
  style         stylemetrics' style distance to the painting (VGG relu1_1..relu3_1 mean/std)
  teacher_style the same distance to the teacher's output for the crop (its texture, not its pixels:
                L1 alone regresses to a blur of the teacher's strokes)
  content       stylemetrics' content distance to the crop (instance-normalised relu3_1)
  recon         L1 between the alpha-0 output and the crop (alpha 0 must give the frame back)
  temporal      L1 between the output of a crop moved by a small smooth random warp (with pixel noise)
                and the output of the crop moved the same way (no flicker when the camera moves;
                costs nothing at run time)
On a share (config train.enlarge_share) of the steps with VGG terms, style and content are taken
on crops enlarged 1.5-3x instead (smooth content like a 720p frame; teacher_style is skipped there).
Stages 1-2 take crops, teacher outputs and paintings from the teacher cache; from stage `sharp` the
batches are made online and the teacher labels them as training runs (sources.py says which).
"""
import torch
import torch.nn.functional as F

from models.train.paint.data import to_chw
from models.train.paint.motion import warp
from models.train.paint.online import view_targets
from models.train.vgg import content_distance, feature_stats, style_distance

VGG_TERMS = ("style", "teacher_style", "content")


def weighted_sum(terms, weights):
    """The step's loss: the terms a stage weighs (in the terms' order: the sum is the same to the bit)."""
    return sum(weights.get(k, 0) * v for k, v in terms.items())


class Objective:
    """The loss terms of one step for the student `net` and its `code_head`, with `vgg` as the loss
    network and `tc` the config's `train` section (batch sizes, enlarged share)."""

    def __init__(self, net, code_head, vgg, tc):
        self.net, self.code_head, self.vgg, self.tc = net, code_head, vgg, tc

    def terms(self, sources, weights, rng, gen, step):
        """{term: value} of one step, from the stage's batches (`sources`)."""
        if sources.online:
            return self.online_terms(sources, rng, gen)
        return self.cached_terms(sources, weights, rng, gen, step)

    def cached_terms(self, src, weights, rng, gen, step):
        """Stages 1-2: crops, teacher outputs and paintings from the teacher cache."""
        net, tc = self.net, self.tc
        if step % 200 == 0:
            src.cache.refresh()
        x, moved, teacher, idx, grid = src.batches(tc["batch"], rng, gen)
        code = net.encode_style(torch.stack([src.paintings.square(int(i)) for i in idx]))
        y, terms = self.base_terms(x, moved, grid, code)
        terms["distill"] = (y - teacher).abs().mean() / 255.0
        terms["teacher_code"] = ((self.code_head(code) - src.teacher_codes[idx]) ** 2).mean()
        if any(weights.get(k, 0) > 0 for k in VGG_TERMS):
            style_targets = src.painting_style_targets()
            xv, yv, big = self.vgg_input(x, y, code, rng)
            nv = len(xv)
            terms.update(self.vgg_terms(yv, xv, unpack_stats(style_targets[idx[:nv]]), None if big else teacher[:nv]))
        return terms

    def online_terms(self, src, rng, gen):
        """From stage `sharp`: photo crops and painting views made now, labelled by the teacher now
        (on the VGG part of the batch), style targets from each view at its own resolution."""
        net, tc = self.net, self.tc
        x, moved, grid, squares, views = src.online_batches(tc["batch"], rng, gen)
        extra, extra_views = (src.online_batches.encoder_views(src.encoder_views, rng) if src.encoder_views
                              else (squares[:0], []))
        codes = self.codes(torch.cat([squares, extra]), views + extra_views)
        code = codes[:len(x)]
        y, terms = self.base_terms(x, moved, grid, code)
        nv = tc["vgg_batch"]
        labelled = torch.cat([squares[:nv], extra])
        teacher_code = src.teacher.code(labelled)
        terms["teacher_code"] = ((self.code_head(torch.cat([code[:nv], codes[len(x):]])) - teacher_code) ** 2).mean()
        teacher = src.teacher.stylize(x[:nv], teacher_code[:nv])
        terms["distill"] = (y[:nv] - teacher).abs().mean() / 255.0
        xv, yv, big = self.vgg_input(x, y, code, rng)
        terms.update(self.vgg_terms(yv, xv, view_targets(self.vgg, views[:nv]), None if big else teacher))
        return terms

    def codes(self, squares, views):
        """The student's codes of style views, read as it reads a style (net.style_read): a view at
        its own size is what its style target is computed from; a square-reading student gets the
        views squashed to 256x256 (`squares`)."""
        net = self.net
        if net.style_read is None:
            return net.encode_style(squares)
        return torch.cat([net.encode_style(to_chw(v)[None]) for v in views])

    def base_terms(self, x, moved, grid, code):
        """The stylized batch y and the terms every stage has: recon (alpha 0) and temporal."""
        net, b = self.net, len(x)
        nr = max(1, b // 4)  # alpha-0 reconstruction on a quarter of the batch
        alpha = torch.cat([torch.ones(2 * b, net.levels), torch.zeros(nr, net.levels)])
        out = net.stylize_nhwc(torch.cat([x, moved, x[:nr]]), torch.cat([code, code, code[:nr]]), alpha)
        y, ym, yr = out[:b], out[b:2 * b], out[2 * b:]
        return y, {"recon": (yr - x[:nr]).abs().mean() / 255.0, "temporal": temporal_error(y, ym, grid) / 255.0}

    def vgg_input(self, x, y, code, rng):
        """The part of the batch the VGG terms see: as it is, or (a share of steps) its content
        enlarged; and whether it was."""
        tc, nv = self.tc, self.tc["vgg_batch"]
        if rng.random() < tc["enlarge_share"]:
            xv = enlarged(x[:nv], rng, tc["enlarge_most"])
            return xv, self.net.stylize_nhwc(xv, code[:nv], torch.ones(nv, self.net.levels)), True
        return x[:nv], y[:nv], False

    def vgg_terms(self, yv, xv, targets, teacher_out):
        """style (to the targets), content (to xv) and, given the teacher's output, teacher_style."""
        vgg = self.vgg
        with torch.no_grad():
            fc = vgg(xv.permute(0, 3, 1, 2) / 255.0)[2]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            fo = vgg(yv.clamp(0, 255).permute(0, 3, 1, 2) / 255.0)
        fo = [f.float() for f in fo]
        so = feature_stats(fo)
        terms = {"style": style_distance(so, targets).mean(), "content": content_distance(fo[2], fc).mean()}
        if teacher_out is not None:
            with torch.no_grad():
                ft = feature_stats(vgg(teacher_out.permute(0, 3, 1, 2) / 255.0))
            terms["teacher_style"] = style_distance(so, ft).mean()
        return terms


def enlarged(x, rng, most):
    """A centre part of each crop enlarged back to the crop's size by a random factor (1.5..most):
    content as smooth as a 720p video frame, for the VGG terms (no teacher target exists for it)."""
    c = x.shape[1]
    f = rng.uniform(1.5, most)
    part = int(c / f) // 2 * 2
    o = (c - part) // 2
    small = x[:, o:o + part, o:o + part].permute(0, 3, 1, 2)
    return F.interpolate(small, size=(c, c), mode="bicubic", align_corners=False).clamp(0, 255).permute(0, 2, 3, 1)


def unpack_stats(flat, channels=(64, 128, 256)):
    """[N, 2*sum(channels)] (each layer's means then stds, as the cache stores them) -> [(mean, std)] per layer."""
    out, i = [], 0
    for c in channels:
        out.append((flat[:, i:i + c], flat[:, i + c:i + 2 * c]))
        i += 2 * c
    return out


def temporal_error(y, y_moved, grid):
    """L1 between the output of a moved frame and the output moved the same way, where the motion
    stays inside the frame: the 4x4 block grid of the first and last layers, and the network's own
    texture, must move with the picture and not flicker. Costs nothing at run time."""
    yw, inside = warp(y, grid)
    return ((yw - y_moved).abs() * inside).sum() / (inside.sum() * y.shape[3] + 1e-6)

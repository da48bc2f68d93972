"""The held-out split every model here shares: 3% of photos and paintings, chosen by file-name hash,
never train; validation reads them (the eval pairs are apart from both: they only measure)."""
import hashlib


def held_out(path):
    return int(hashlib.md5(path.name.encode()).hexdigest(), 16) % 100 < 3


def split(paths, part):
    """The paths of one part, "train" or "val"."""
    return [p for p in paths if held_out(p) == (part == "val")]

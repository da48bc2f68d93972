"""stylecast's model folders (`fast/`, `paint/`, `common/`) and the Python that makes them: `train/`
(the trainers and their tools) and `importers/` (published weights -> the model contract).

The Python is one package, run as modules from the repository root with Debian's python3, e.g.
  /usr/bin/python3 -m models.train.paint.train
  /usr/bin/python3 -m models.importers.magenta --weights DIR
"""

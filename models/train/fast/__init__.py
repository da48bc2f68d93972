"""The `fast` model's trainer (models/fast/README.md): net.py (the network and its export graphs),
train.py, export.py; reproduce.sh makes the shipped weights from seed 1, and checkpoint-2800.pt is
that run's last checkpoint, to train further from."""

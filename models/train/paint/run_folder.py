"""A training run's folder (config paths.run, or train.py's --run): last.pt (training_state.py),
train.log (what a sitting printed) and val.csv (a row per validation, validation.py's columns)."""
import csv
import time
from pathlib import Path

from models.train.paint.validation import Validation

VAL_COLUMNS = ["step", "stage", "minutes"] + Validation.COLUMNS


class RunFolder:
    def __init__(self, path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.last, self.val_csv = self.path / "last.pt", self.path / "val.csv"

    def log(self, msg):
        line = time.strftime("%H:%M:%S ") + msg
        print(line, flush=True)
        with open(self.path / "train.log", "a") as f:
            f.write(line + "\n")

    def ensure_val_columns(self):
        """A new val.csv, or an old one whose header gains the columns added since (old rows stay short)."""
        if not self.val_csv.exists():
            self.val_csv.write_text(",".join(VAL_COLUMNS) + "\n")
            return
        lines = self.val_csv.read_text().splitlines()
        if lines[0].split(",") != VAL_COLUMNS:
            self.val_csv.write_text("\n".join([",".join(VAL_COLUMNS)] + lines[1:]) + "\n")

    def measured_all(self):
        """Whether val.csv's last row has every column (a measure added since starts with a row of its own)."""
        rows = list(csv.reader(self.val_csv.open()))
        return len(rows) > 1 and len(rows[-1]) == len(rows[0])

    def record(self, scores, step, stage_name, minutes):
        """A validation's scores: a row of val.csv and a line of the log."""
        with open(self.val_csv, "a") as f:
            csv.writer(f).writerow([step, stage_name, f"{minutes:.1f}"] + [f"{scores[k]:.4f}" for k in Validation.COLUMNS])
        self.log(f"val step {step} " + " ".join(f"{k} {scores[k]:.3f}" for k in Validation.COLUMNS))

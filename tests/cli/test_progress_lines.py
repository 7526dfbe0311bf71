"""``nnexp train``'s epoch lines: every epoch of slow epochs, at most ten a second of
fast ones (the first and the last always), and a note of how many were not shown."""

from __future__ import annotations

import io

from rich.console import Console

from nnexp.cli import progress


def _printed(epochs: int) -> list[str]:
    out = io.StringIO()
    printer = progress.TrainProgress(Console(file=out, width=200))
    printer.on_train_begin({"n_batches": 4, "epochs": epochs, "start_epoch": 1})
    for epoch in range(1, epochs + 1):
        printer.on_epoch_end({"epoch": epoch, "train_loss": 1.0 / epoch}, None)
    printer.on_train_end(None)
    return out.getvalue().splitlines()


def test_fast_epochs_print_the_first_the_last_and_a_note():
    lines = _printed(1000)
    epochs = [line.split()[1] for line in lines if line.startswith("epoch")]
    assert epochs[:20] == [f"{e}/1000" for e in range(1, 21)]
    assert epochs[-1] == "1000/1000"
    assert len(epochs) < 40  # a millisecond's epochs: within LINE_SECONDS of each other
    skipped = 1000 - len(epochs)
    assert lines[-1] == (
        f"({skipped} epoch lines not shown: at most 10 a second; metrics.csv has"
        " every epoch)"
    )


def test_slow_epochs_print_every_line_and_no_note(monkeypatch):
    monkeypatch.setattr(progress, "LINE_SECONDS", 0.0)
    lines = _printed(50)
    assert [line.split()[1] for line in lines] == [f"{e}/50" for e in range(1, 51)]


def test_a_short_run_of_fast_epochs_prints_every_epoch():
    """The quickstart's 5 epochs of 0.06 s showed 4 lines and a note."""
    lines = _printed(20)
    assert [line.split()[1] for line in lines] == [f"{e}/20" for e in range(1, 21)]

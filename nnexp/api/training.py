"""Training runs: train a spec into a run folder, resume, continue, rerun and check a
run, and evaluate its saved weights; with the spec helpers ``nnexp train`` uses.

Every function here trains or evaluates one run through :mod:`nnexp.runner`, the floor
sweep cells train through too, so a run, a rerun and a sweep cell of one spec give the
same numbers::

    import nnexp
    run = nnexp.train("configs/quickstart.yaml", ["training.epochs=2"])
    longer = nnexp.continue_run(run.path, epochs=4)
    nnexp.evaluate(longer.path, split="val")        # {"loss": …, "accuracy": …}
    nnexp.check_rerun(run.path).matches             # True: reproduced bit for bit

``train_population`` trains several specs as one population (one stacked computation,
:mod:`nnexp.runner.population`), each into its own run folder with the numbers its
single run gives::

    runs = nnexp.train_population([{"seed": s, **spec} for s in range(20)])
"""

from __future__ import annotations

from nnexp.runner.continuation import continuation_spec
from nnexp.runner.evaluate import SPLITS as EVAL_SPLITS
from nnexp.runner.evaluate import evaluate_run as evaluate
from nnexp.runner.population import train_population
from nnexp.runner.rerun import RerunCheck, check_rerun, rerun
from nnexp.runner.train import (
    continue_run,
    load_data,
    prepare,
    resolve_spec,
    resume,
    train,
)
from nnexp.spec.dump import dump_spec
from nnexp.training.callbacks import Callback

#: :func:`train` under the name the README's first examples use (``nnexp.run``)
run = train

__all__ = [
    "EVAL_SPLITS",
    "Callback",
    "RerunCheck",
    "check_rerun",
    "continuation_spec",
    "continue_run",
    "dump_spec",
    "evaluate",
    "load_data",
    "prepare",
    "rerun",
    "resolve_spec",
    "resume",
    "run",
    "train",
    "train_population",
]

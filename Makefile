# nnexp: the two set-up commands for a fresh machine are `make demo` and `make test`.
PYTHON ?= python3
PIP := $(PYTHON) -m pip
STAMP := .make-installed

.PHONY: install demo test bench lint reproduce clean mutate

$(STAMP): pyproject.toml
	$(PIP) install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)  ## install nnexp (editable) with its test tools

demo: $(STAMP)  ## train configs/quickstart.yaml on the bundled MNIST digits
	$(PYTHON) -m nnexp train configs/quickstart.yaml

test: $(STAMP)  ## the whole test suite
	$(PYTHON) -m pytest tests

bench: $(STAMP)  ## single-run epoch: nnexp / hand-written NumPy ratio per batch and dtype, one BLAS thread
	@# one BLAS thread (the script sets it); this machine's OPENBLAS_CORETYPE/L2_SIZE overrides are dropped
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PYTHON) benchmarks/bench_epoch.py

REPRO := runs/reproduce
reproduce: $(STAMP)  ## every course experiment (E1-E8), about 8 minutes on 2 cores; see docs/reproduction.md
	$(PYTHON) -m nnexp sweep configs/sweeps/logic_gates_e1.yaml --runs-dir $(REPRO)
	$(PYTHON) -m nnexp sweep configs/sweeps/sincos_e2.yaml --runs-dir $(REPRO)
	$(PYTHON) -m nnexp sweep configs/mnist_relu.yaml --name mnist_relu_e3 --seeds 3 --runs-dir $(REPRO) dataset.name=mnist_10k training.epochs=75
	$(PYTHON) -m nnexp sweep configs/sweeps/activations_mnist.yaml --runs-dir $(REPRO)
	$(PYTHON) -m nnexp sweep configs/sweeps/optimizers_l2_mnist.yaml --runs-dir $(REPRO)
	$(PYTHON) -m nnexp probe 5,5,5,5 --activations tanh,relu,identity --draws 3 --input 1 --output 1 --range -10,10 -o $(REPRO)/probe_e6.png
	$(PYTHON) -m nnexp landscape configs/landscape_e7.yaml --runs-dir $(REPRO)
	$(PYTHON) -m nnexp sweep configs/fashion_mnist_dense.yaml --name fashion_mnist_e8 --seeds 2 --runs-dir $(REPRO)
	$(PYTHON) -m nnexp report $(REPRO)/sweeps/*_activations_mnist -o $(REPRO)/report_e4.html

mutate: $(STAMP)  ## mutation testing of engine/ and training/ (about 25 minutes on 2 cores; not in CI); see benchmarks/MUTATION.md
	$(PYTHON) -m mutmut run --max-children 2
	$(PYTHON) -m mutmut results

lint: $(STAMP)  ## ruff, and mypy on the typed floors (pyproject's [tool.mypy] files)
	$(PYTHON) -m ruff check nnexp tests benchmarks
	$(PYTHON) -m ruff format --check nnexp tests benchmarks
	$(PYTHON) -m mypy

clean:
	rm -rf $(STAMP) .pytest_cache .ruff_cache build *.egg-info mutants

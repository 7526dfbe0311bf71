# nnexp: the two set-up commands for a fresh machine are `make demo` and `make test`.
PYTHON ?= python3
PIP := $(PYTHON) -m pip
STAMP := .make-installed

.PHONY: install demo test bench lint reproduce clean

$(STAMP): pyproject.toml
	$(PIP) install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)  ## install nnexp (editable) with its test tools

demo: $(STAMP)  ## train configs/quickstart.yaml on the bundled MNIST digits
	$(PYTHON) -m nnexp train configs/quickstart.yaml

test: $(STAMP)  ## the whole test suite
	$(PYTHON) -m pytest tests

bench: $(STAMP)  ## epoch timing: nnexp vs hand-written NumPy (vs PyTorch when installed)
	$(PYTHON) benchmarks/bench_epoch.py

lint: $(STAMP)
	$(PYTHON) -m ruff check nnexp tests benchmarks
	$(PYTHON) -m ruff format --check nnexp tests benchmarks

clean:
	rm -rf $(STAMP) .pytest_cache .ruff_cache build *.egg-info

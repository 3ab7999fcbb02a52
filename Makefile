# The two commands of the README: `make demo` and `make test`. Both set up .venv first (idempotent).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
APT_PACKAGES := $(shell cat .ci/apt-packages.txt 2>/dev/null)

.PHONY: setup demo test lexicons check-install lock

setup: $(VENV)/.installed

# torch is installed first, on its own, so its variant is a choice: TORCH_INDEX empty = plain PyPI (here PyPI
# serves the CPU wheel of torch==2.13.0). Elsewhere, PyPI's Linux torch is the multi-GB CUDA build; pick a variant:
#   make demo TORCH_INDEX=--index-url=https://download.pytorch.org/whl/cpu      # CPU only (small)
#   make demo TORCH_INDEX=--index-url=https://download.pytorch.org/whl/cu128    # a CUDA 12.8 build
# constraints.txt is the tested lock (see README "Install"); the check below refuses machine paths in it.
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?=

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) scripts/check_install_inputs.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip 'setuptools>=77'  # pyproject's build backend (tests build the wheel)
	$(BIN)/pip install -q $(TORCH_INDEX) '$(TORCH_SPEC)'
	$(BIN)/pip install -q -c constraints.txt --only-binary=scikit-learn,numpy,scipy,pandas,pyarrow -e '.[test,lexicons,ray,slurm]'
	touch $@

# Optional Debian lexicons (thesauri, FreeDict) for the word-substitution and code-mixing recipes; tests that
# need them skip with a reason when they are absent.
lexicons:
	@if [ -n "$(APT_PACKAGES)" ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && apt-get install -y -qq $(APT_PACKAGES) >/dev/null) || echo "note: lexicon packages not installed"; fi

demo: setup
	$(BIN)/robustxnli demo

test: setup lexicons
	ROBUSTXNLI_PROGRESS=0 $(BIN)/python -m pytest -p no:cacheprovider

# Fails on a file-scheme URL or an absolute machine path in any install input (also run by .ci/run and setup).
check-install:
	$(PYTHON) scripts/check_install_inputs.py

# Refresh the lock from pyproject.toml with pip-tools; review the diff, then run make test. Index URLs and
# find-links of this machine's pip configuration are not written, and torch's local tag (+cpu) is dropped so the
# pin installs from PyPI and from the PyTorch indexes alike.
lock: setup
	$(BIN)/pip install -q pip-tools==7.6.2
	$(BIN)/pip-compile --quiet --strip-extras --no-header --no-annotate --no-emit-index-url \
	  --no-emit-find-links --no-emit-trusted-host --extra test,lexicons,ray,slurm --output-file constraints.txt \
	  pyproject.toml
	sed -i.bak -E 's/^(torch==[0-9.]+)\+[a-z0-9]+$$/\1/' constraints.txt && rm -f constraints.txt.bak
	$(PYTHON) scripts/check_install_inputs.py

# The two commands of the README: `make demo` and `make test`. Both set up .venv first (idempotent).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
APT_PACKAGES := $(shell cat .ci/apt-packages.txt 2>/dev/null)

.PHONY: setup demo test lexicons

setup: $(VENV)/.installed

# torch is pinned to the CPU wheel (other versions pull multi-GB CUDA builds); constraints.txt is the tested set.
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
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

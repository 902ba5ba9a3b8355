# The two commands a new user needs: `make demo` and `make test`. Both create .venv on first use.
# The editable install is a plain path entry, not an import hook (pyproject.toml's package-dir says why).
# compileall: with PYTHONDONTWRITEBYTECODE set (as on our machines) cpictl would be compiled on every run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench install clean completions docs docs-images

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q cpictl
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q cpictl
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

demo: $(VENV)/.installed
	@bash scripts/demo.sh

lint: $(VENV)/.installed-test
	$(BIN)/ruff check cpictl tests bench scripts
	$(BIN)/lint-imports
	$(BIN)/mypy

# pytest caches its rewritten test modules as bytecode; with PYTHONDONTWRITEBYTECODE set (as on our machines) every
# worker would rewrite all of them again on every run (~5 s each, measured)
test: lint
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -q

# completions/: the shell scripts, rendered from the command-line definition (tests/completion checks they are current)
completions: $(VENV)/.installed
	$(BIN)/python scripts/gen_completions.py

# README.md and completions/README.md carry the help topics (cpictl/help_topics/*.md); tests/docs checks they agree
docs: $(VENV)/.installed
	$(BIN)/python scripts/gen_docs.py

# docs/images/: the README's pictures, drawn from real runs against the bundled CPI in a throw-away directory
# (needs tmux; tests/docs checks each is no older than the view code that drew it)
docs-images: $(VENV)/.installed
	$(BIN)/python scripts/docs_images.py

bench: $(VENV)/.installed-test
	$(BIN)/python -m compileall -q cpictl  # start-up is measured: sources edited since install must not recompile per run
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

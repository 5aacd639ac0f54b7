# Two commands: `make conformance` judges a server (the bundled mock by default),
# `make test` runs the project's own tests. Each sets up what is missing first.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
VPY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
ALLURE := node_modules/.bin/allure
RESULTS := reports/allure-results
REPORT := reports/allure-report
ARGS ?=

.PHONY: conformance test report clean

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: set PYTHON=/path/to/python3.11")'
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -e '.[test]'
	@touch $@

$(ALLURE): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js to get the HTML report (results stay in $(RESULTS))"; exit 1; }
	npm ci --silent --no-audit --no-fund
	@touch $@

conformance: $(INSTALLED)
	@rm -rf $(RESULTS)
	@status=0; $(VPY) -m pytest conformance --assert=plain --alluredir $(RESULTS) $(ARGS) || status=$$?; \
	$(MAKE) --no-print-directory report || true; exit $$status

report: $(ALLURE)
	@$(ALLURE) generate $(RESULTS) --output $(REPORT) >/dev/null && echo "HTML report: $(REPORT)/index.html"

test: $(INSTALLED)
	$(VPY) -m pytest tests -p pytester -n auto $(ARGS)

clean:
	rm -rf $(VENV) node_modules $(RESULTS) $(REPORT) reports/verdicts.json

# Two commands: `make conformance` judges a server (the bundled mock by default),
# `make test` runs the project's own tests. Each sets up what is missing first.
# `make nightly` is the scheduled run (conformance/nightly.py does the work).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
VPY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
ALLURE := node_modules/.bin/allure
RESULTS := reports/allure-results
REPORT := reports/allure-report
ARGS ?=

.PHONY: conformance nightly test report report-tool clean

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

# The HTML report generator when npm is there; without it the run goes on, reportless.
report-tool:
	@$(MAKE) --no-print-directory $(ALLURE) || true

conformance: $(INSTALLED)
	@rm -rf $(RESULTS)
	@status=0; $(VPY) -m pytest conformance --assert=plain --alluredir $(RESULTS) $(ARGS) || status=$$?; \
	$(MAKE) --no-print-directory report || true; exit $$status

report: $(ALLURE)
	@rm -rf $(REPORT)
	@$(ALLURE) generate $(RESULTS) --output $(REPORT) >/dev/null && echo "HTML report: $(REPORT)/index.html"

nightly: $(INSTALLED) report-tool
	$(VPY) -m conformance.nightly $(ARGS)

test: $(INSTALLED) report-tool
	$(VPY) -m pytest tests -p pytester -n auto $(ARGS)

clean:
	rm -rf $(VENV) node_modules build $(RESULTS) $(REPORT) reports/verdicts.json reports/junit.xml reports/summary.md

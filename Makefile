# The two commands a newcomer needs: `make demo` and `make test`. Both do all set-up first.
.PHONY: demo test lint install install-test bench
LINT = .venv/bin/ruff check assetmap tests bench scripts

demo: install
	scripts/demo.sh

# The tests first, so their result shows even when lint then finds something.
test: install-test
	.venv/bin/python -m pytest --require-postgis --browser -q
	$(LINT)

lint: install-test
	$(LINT)

install:
	scripts/install.sh demo

install-test:
	scripts/install.sh test

bench: install-test
	.venv/bin/python bench/geocode.py && .venv/bin/python bench/ingest.py && .venv/bin/python bench/search.py && .venv/bin/python bench/map_page.py && .venv/bin/python bench/relevance.py && .venv/bin/python bench/api.py

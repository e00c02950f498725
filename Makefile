# The two commands a newcomer needs: `make demo` and `make test`. Both do all set-up first.
.PHONY: demo test install install-test bench

demo: install
	scripts/demo.sh

test: install-test
	.venv/bin/python -m pytest --require-postgis --browser -q

install:
	scripts/install.sh demo

install-test:
	scripts/install.sh test

bench: install-test
	.venv/bin/python bench/geocode.py && .venv/bin/python bench/ingest.py && .venv/bin/python bench/search.py && .venv/bin/python bench/map_page.py

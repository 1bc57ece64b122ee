.PHONY: demo test setup clean
demo:   ## install what is missing, generate a sample fleet, run the job end to end
	scripts/demo.sh
test:   ## install what is missing, run ruff, mypy and the test suite
	scripts/test.sh
setup:  ## only install what is missing (.venv, packages, Delta jars)
	scripts/setup.sh
clean:  ## remove generated data (not the .venv or the jar cache)
	rm -rf lakehouse sample-fleet spark-warehouse

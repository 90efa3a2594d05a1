# The two set-up commands the README promises; each installs what is missing and builds first.
.PHONY: run test build bench clean

run:    ## build and run the daemon on the demo config with simulated providers (http://127.0.0.1:9470)
	scripts/run-demo.sh

test:   ## build and run every test
	scripts/test.sh

build:  ## build only
	scripts/build.sh

bench:  ## build and run the benchmarks (prints figures)
	scripts/bench.sh

clean:
	rm -rf build .state

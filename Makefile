# The two set-up commands the README promises; each installs what is missing and builds first.
.PHONY: run test test-tsan build deb bench bench-history clean

run:    ## build and run the daemon on the demo config with simulated providers (http://127.0.0.1:9470)
	scripts/run-demo.sh

test:   ## build and run every test
	scripts/test.sh

test-tsan:  ## build with ThreadSanitizer and run the integration and end-to-end tests (CI runs it after `make test`)
	scripts/test-tsan.sh

build:  ## build only
	scripts/build.sh

deb:    ## build the Debian package dist/vigil_VERSION_ARCH.deb
	scripts/make-deb.sh

bench:  ## build and run the probe benchmark (prints figures)
	scripts/bench.sh

bench-history:  ## build and run the history benchmark: 90 days x 1,000 checks (prints figures; ~25 min)
	scripts/bench.sh history

clean:
	rm -rf build build-asan build-tsan .state dist

# SPDX-License-Identifier: GPL-2.0
# labyrinth: fault-injection stress tests for the kernel's atomic page
# allocations.  See README.md; every target installs what it needs.

SHELL := /bin/sh

.PHONY: help run check bench compare merge bisect kernel modules image setup lint clean

help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## make run        set-up, kernel, guest, RUNTEST (default quick), reports
run:
	@sh scripts/setup.sh run
	@sh scripts/run.sh

## make check      the project's own tests; last line "N passed, N failed"
check:
	@sh scripts/setup.sh check
	@sh scripts/check/run.sh

## make bench      boot, build-cache and allocation-rate figures
bench:
	@sh scripts/setup.sh run
	@sh scripts/bench.sh

## make compare BASE=<run> NEW=<run>   regression report between two runs
compare:
	@sh scripts/compare.sh "$(BASE)" "$(NEW)"

## make merge OUT=<dir> RUNS="<run> <run>..."   merge shard results
merge:
	@sh scripts/merge.sh "$(OUT)" $(RUNS)

## make bisect KSRC=<git tree> GOOD=<rev> BAD=<rev> TESTS=<pattern> [REPEAT=n]
##                 first bad commit, into results/bisect-<date>/bisect.txt
bisect:
	@sh scripts/setup.sh run
	@sh scripts/bisect.sh

## make kernel     build (or find in the cache) the kernel under test
kernel:
	@sh scripts/setup.sh run
	@sh scripts/kernel.sh

## make modules    build the modules against the kernel under test
modules:
	@sh scripts/setup.sh run
	@sh scripts/modules.sh "$$(sh scripts/kernel.sh)"

## make image      build the guest image
image:
	@sh scripts/setup.sh run
	@sh scripts/image.sh "$$(sh scripts/modules.sh "$$(sh scripts/kernel.sh)")"

## make setup      install missing Debian packages
setup:
	@sh scripts/setup.sh all

## make lint       shellcheck and checkpatch
lint:
	@sh scripts/setup.sh check
	@sh scripts/check/run.sh lint

## make clean      remove results (the kernel cache stays; LAB_CACHE)
clean:
	@find results -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +

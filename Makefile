# SPDX-License-Identifier: GPL-2.0
# labyrinth: fault-injection stress tests for the kernel's atomic page
# allocations.  See README.md; every target installs what it needs.

SHELL := /bin/sh

# "make run" and "make compare" exit with their script's own status (run:
# 0 passed, 1 a test failed, 2 usage or set-up error, 130 interrupted;
# compare: 0, 1 regression, 2), not make's 2 for any failed recipe.  For
# these goals make runs in question mode (-q): recipe lines marked "+" still
# run, and a status 1 becomes make's own without a message.  A status 2 is
# make's own too (make adds its one "*** ... Error 2" line).  Ctrl-C: make
# waits for the script to stop the guest and write its reports, then ends
# by SIGINT (130).  The scripts' own make (kernel and module builds) must
# not inherit -q: SCRIPT runs them without make's flags.
STATUS_GOALS := run compare
ifneq ($(MAKECMDGOALS),)
ifeq ($(filter-out $(STATUS_GOALS),$(MAKECMDGOALS)),)
MAKEFLAGS += -q
endif
endif
SCRIPT := env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL sh

# The test patterns reach the scripts as written: make expands a variable
# given on its command line when it passes it on, so "^a$|^b$" lost "$|"
# (make's own variable).  A simply expanded copy, exported, is passed as
# it is.
define keep_dollars
ifeq ($$(origin $(1)),command line)
override $(1) := $$(value $(1))
export $(1)
endif
endef
$(foreach v,TESTS SKIP,$(eval $(call keep_dollars,$(v))))

.PHONY: help run check bench compare merge bisect kernel modules image setup lint clean cache cache-clean

help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## make run        set-up, kernel, guest, RUNTEST (default quick), reports
run:
	+@$(SCRIPT) scripts/setup.sh run
	+@$(SCRIPT) scripts/run.sh

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
	+@$(SCRIPT) scripts/compare.sh "$(BASE)" "$(NEW)"

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

## make cache      what the build cache holds (kind, key, size, last use) and
##                 its total; LAB_CACHE_MAX (default 5G) bounds it
cache:
	@sh scripts/cache.sh list

## make cache-clean  empty the build cache (entries a run uses stay)
cache-clean:
	@sh scripts/cache.sh clean

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

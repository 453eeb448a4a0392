# SPDX-License-Identifier: GPL-2.0
#
# memlab: the two commands a newcomer needs are
#
#   make demo     boot a VM, load memlab, show what it sees
#   make check    build everything, then test it on every supported kernel
#
# Other targets:
#   make                 the module for every supported kernel, tools, tests
#   make modules         only the module (KVER=... or KDIR=... for one kernel)
#   make lint            checkpatch --strict and sparse on the module, zero findings
#   make stress          the long runs: fuzzer (1,000,000 calls), race stress (60 s),
#                        load/unload (100 cycles), in the VM of each kernel
#   make check-debug     the suite, the fuzzer and the stress on the KASAN + lockdep
#                        kernel of tests/debug.config (built once, ~15 min), then a
#                        kmemleak scan
#   make dkms-check      dkms add/build/install for each kernel, in a scratch tree
#   make bench           memlab vs smaps_rollup, pagemap, PAGEMAP_SCAN and memory
#                        bandwidth, in the VM (KVER=... for one kernel): bench/results/
#   make bench-scaling   the walk's scaling sweep: Documentation/performance-scaling.svg
#   make install         memlab, memlab-trace and their man pages under PREFIX
#                        (/usr/local; DESTDIR too); the module: make dkms-check's
#                        dkms, or insmod .output/KVER/memlab.ko
#   make deps            install what is missing from Debian's packages
#   make vm              an interactive shell in a VM with memlab loaded
#   make clean
#
# The module is built by Kbuild, once per kernel, in .output/KVER/ (a tree of
# symlinks to the sources, so that builds for several kernels never share
# object files). "make -C /lib/modules/KVER/build M=$PWD" works as well.

O := $(CURDIR)/.output
KSFT := $(O)/ksft/tools/testing/selftests

# On a fresh machine "make demo" and "make check" install what is missing
# first: which kernels to build for is decided by what is installed.
ifeq ($(filter deps clean,$(MAKECMDGOALS)),)
ifneq ($(shell tools/install-deps --check >/dev/null 2>&1 && echo ok),ok)
$(info memlab: installing the missing packages first (tools/install-deps))
$(shell tools/install-deps >&2)
ifneq ($(.SHELLSTATUS),0)
$(error tools/install-deps failed: run it as root, or see its messages above)
endif
endif
endif

ifneq ($(KDIR),)
KVER ?= $(notdir $(patsubst %/build,%,$(realpath $(KDIR))))
endif
KVERS := $(if $(KVER),$(KVER),$(shell tools/kernels))
kdir = $(if $(KDIR),$(KDIR),/lib/modules/$(1)/build)

MODULE_SRCS := Kbuild $(wildcard module/*.c module/*.h) include/uapi/linux/memlab.h
MODULES := $(foreach k,$(KVERS),$(O)/$(k)/memlab.ko)

.PHONY: all modules tools tests deps lint check dkms-check demo vm clean ksft \
	bench bench-scaling stress check-debug install

all: modules tools tests

deps:
	tools/install-deps

modules: $(MODULES)
	@test -n "$(KVERS)" || { echo "no supported kernel headers installed: run make deps" >&2; exit 1; }

# $(O)/KVER/memlab.ko: the module built against one kernel.
$(O)/%/memlab.ko: $(MODULE_SRCS)
	@mkdir -p $(O)/$*
	cp -rs --remove-destination $(CURDIR)/Kbuild $(CURDIR)/module $(CURDIR)/include $(O)/$*/
	$(MAKE) -C $(call kdir,$*) M=$(O)/$* modules

# kselftest_harness.h, kselftest.h, lib.mk, the kselftest runner and
# checkpatch.pl, straight from Debian's linux-source-6.1.
LINUX_SOURCE := $(lastword $(sort $(wildcard /usr/src/linux-source-6.1.tar.xz)))
KSFT_FILES := kselftest_harness.h kselftest.h lib.mk kselftest/runner.sh kselftest/prefix.pl
$(O)/ksft/.extracted:
	@test -n "$(LINUX_SOURCE)" || { echo "linux-source-6.1 is not installed: run make deps" >&2; exit 1; }
	rm -rf $(O)/ksft && mkdir -p $(O)/ksft
	tar -xf $(LINUX_SOURCE) -C $(O)/ksft --strip-components=1 \
		$(addprefix linux-source-6.1/tools/testing/selftests/,$(KSFT_FILES)) \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	touch $@

ksft: $(O)/ksft/.extracted

tools:
	$(MAKE) -C tools

# The suite is installed as the kselftest runner expects it:
# $(SELFTESTS)/kselftest/runner.sh and $(SELFTESTS)/memlab/<tests>.
SELFTESTS := $(O)/selftests
TESTS_MAKE = $(MAKE) -C tests KSFT_DIR=$(KSFT) OUTPUT=$(O)/tests

tests: $(O)/ksft/.extracted
	$(TESTS_MAKE)
	$(TESTS_MAKE) -s install INSTALL_PATH=$(SELFTESTS)/memlab
	$(TESTS_MAKE) -s emit_tests COLLECTION=memlab >$(SELFTESTS)/memlab/tests.list
	rm -rf $(SELFTESTS)/kselftest && cp -r $(KSFT)/kselftest $(SELFTESTS)/

lint: $(O)/ksft/.extracted
	$(O)/ksft/scripts/checkpatch.pl --no-tree --strict --quiet --show-types \
		-f $(filter-out Kbuild,$(MODULE_SRCS))
	@for k in $(KVERS); do \
		echo "sparse: $$k"; \
		rm -rf $(O)/sparse-$$k && mkdir -p $(O)/sparse-$$k && \
		cp -rs $(CURDIR)/Kbuild $(CURDIR)/module $(CURDIR)/include $(O)/sparse-$$k/ && \
		$(MAKE) -s -C $(call kdir,$$k) M=$(O)/sparse-$$k C=2 CHECK="sparse -Wsparse-error" modules \
			2>&1 | tee $(O)/sparse-$$k.log; \
		! grep -E 'warning:|error:' $(O)/sparse-$$k.log || exit 1; \
	done
	@echo "lint: checkpatch and sparse clean"

check: all lint
	tests/check $(KVERS)

stress: all
	tests/check --stress $(KVERS)

# The debug kernel is found (or installed, or built) first: its release
# names the module build and the VM.
check-debug: tools tests
	tools/build-debug-kernel
	$(MAKE) modules KVER=$$(tools/build-debug-kernel --release)
	tests/check --debug $$(tools/build-debug-kernel --release)

dkms-check:
	tests/dkms-check $(KVERS)

bench: modules
	$(MAKE) -C tools bench
	tools/bench/run $(KVERS)

bench-scaling: modules
	$(MAKE) -C tools bench
	tools/bench/run --sweep $(KVERS)

demo: all
	@mkdir -p $(O)/demo
	tools/vm/memlab-vm --kernel $(firstword $(KVERS)) --out $(O)/demo -- tools/demo

vm: all
	tools/vm/memlab-vm --kernel $(lastword $(KVERS))

PREFIX ?= /usr/local

install: tools
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 755 $(O)/tools/memlab $(DESTDIR)$(PREFIX)/bin/memlab
	install -m 755 $(O)/tools/memlab-trace $(DESTDIR)$(PREFIX)/sbin/memlab-trace
	install -m 644 Documentation/memlab.1 $(DESTDIR)$(PREFIX)/share/man/man1/memlab.1
	install -m 644 Documentation/memlab-trace.8 $(DESTDIR)$(PREFIX)/share/man/man8/memlab-trace.8

clean:
	rm -rf $(O)
	-$(MAKE) -C tools clean

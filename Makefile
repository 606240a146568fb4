# nvflush top-level build. `make help` lists the targets.
SHELL := /bin/bash
KVERS = $(shell scripts/kernels.sh 2>/dev/null | awk '{ print $$2 }')

help:
	@echo "make deps      install every Debian package the project needs"
	@echo "make kmod      build the module for every installed target kernel"
	@echo "make ctl       build nvflushctl (build/cmake/ctl/nvflushctl)"
	@echo "make unit      run the nvflushctl unit tests"
	@echo "make vmtest    run the VM test suite on 6.1 and 6.12"
	@echo "make check-debug  the VM test suite on the debug kernel (KASAN, UBSAN, lockdep, kmemleak)"
	@echo "make style     checkpatch, sparse, W=1, kernel-doc, UAPI, clang-format"
	@echo "make uapi      regenerate kmod/uapi/linux/nvflush.h from the spec"
	@echo "make torture   power cuts: CUTS=200 KERNEL=6.1 (kill -9 of qemu, recover, verify)"
	@echo "make bench-quick  fsync latency: bare origin vs dm-writecache vs nvflush (6.1 VM)"
	@echo "make check     all of the above from a fresh machine (the test command)"
	@echo "make demo      a demo on the emulated NVDIMM (6.1 VM)"
	@echo "make clean     remove build/"

deps:
	scripts/deps.sh

kmod: deps
	@set -e; for v in $(KVERS); do echo "kmod: $$v"; scripts/build-kmod.sh $$v; done

ctl: deps
	cmake -S . -B build/cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build/cmake -j2

unit: ctl
	ctest --test-dir build/cmake --output-on-failure -j2

vmtest: kmod ctl
	@set -e; for k in 6.1 6.12; do tests/vm/run.sh $$k; done

# The debug kernel comes from ../shared/kernels (scripts/deps.sh installs it;
# run.sh builds the module for it).
check-debug: deps ctl
	tests/vm/run.sh debug

style: deps
	scripts/style.sh

uapi:
	scripts/gen-uapi.sh kmod/uapi/linux/nvflush.h

CUTS ?= 200
KERNEL ?= 6.1
torture: kmod ctl
	tests/powercut/run.sh $(KERNEL) $(CUTS)

bench-quick:
	scripts/bench-quick.sh

check:
	scripts/check.sh

demo:
	scripts/demo.sh

clean:
	rm -rf build

.PHONY: help deps kmod ctl unit vmtest check-debug style uapi torture bench-quick check demo clean

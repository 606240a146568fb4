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
	@echo "make torture-fuzz  netlink fuzzer: FUZZ_MSGS=1000000 KERNEL=6.1 [FUZZ_SEED=N]"
	@echo "make torture-faults  origin faults and module lifecycle: FAULT_LOOPS=50 KERNEL=6.1"
	@echo "make torture-crash  simulated crashes: IMAGES=1000 KERNEL=6.1, every Nth failure [CRASH_SEED=N]"
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

# The netlink fuzzer at length (tests/vm/t96_fuzz.sh); FUZZ_SEED=N replays a
# run. The VM gets 1 s per 100 messages on top of the usual 20 min.
FUZZ_MSGS ?= 1000000
torture-fuzz: kmod ctl
	NVF_FUZZ_MSGS=$(FUZZ_MSGS) $(if $(FUZZ_SEED),NVF_FUZZ_SEED=$(FUZZ_SEED)) \
		NVF_VM_TIMEOUT=$$(( $(FUZZ_MSGS) / 100 + 1200 )) tests/vm/run.sh $(KERNEL) t10 t96

# The origin-fault and lifecycle suites at length (tests/vm/t93_origin_faults.sh,
# t98_lifecycle.sh). The VM gets 3 min per round on top of the usual 20 min.
FAULT_LOOPS ?= 50
torture-faults: kmod ctl
	NVF_FAULT_LOOPS=$(FAULT_LOOPS) NVF_LIFECYCLE_LOOPS=$(FAULT_LOOPS) \
		NVF_VM_TIMEOUT=$$(( $(FAULT_LOOPS) * 180 + 1200 )) tests/vm/run.sh $(KERNEL) t10 t93 t98

# Simulated crashes at length (tests/vm/t91_steps.sh with every Nth failure,
# t92_storeloss.sh with IMAGES crash images); CRASH_SEED=N replays them.
# The VM gets 3 s per image on top of the usual 20 min.
IMAGES ?= 1000
torture-crash: kmod ctl
	NVF_CRASH_IMAGES=$(IMAGES) NVF_FAILNTH_STRIDE=1 $(if $(CRASH_SEED),NVF_CRASH_SEED=$(CRASH_SEED)) \
		NVF_VM_TIMEOUT=$$(( $(IMAGES) * 3 + 1200 )) tests/vm/run.sh $(KERNEL) t10 t91 t92

bench-quick:
	scripts/bench-quick.sh

check:
	scripts/check.sh

demo:
	scripts/demo.sh

clean:
	rm -rf build

.PHONY: help deps kmod ctl unit vmtest check-debug style uapi torture torture-fuzz torture-faults torture-crash bench-quick check demo clean

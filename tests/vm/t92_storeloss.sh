# shellcheck shell=bash
# Store loss: crash images at random points of a mixed workload (writes
# with fsync that overwrite blocks held in NVM, a drain that destages and
# frees slots, FUA writes), each cut dropping a random half of the NVM
# stores not yet fenced (8-byte words); after recovery every block is
# checked against the model. NVF_CRASH_IMAGES images (make torture: 1000),
# seeded by NVF_CRASH_SEED (logged).
# shellcheck source=tests/vm/faultlib.sh
. tests/vm/faultlib.sh

IMAGES=${NVF_CRASH_IMAGES:-10}
SEED=${NVF_CRASH_SEED:-$((RANDOM * 32768 + RANDOM))}
diag "store loss: $IMAGES crash images, seed $SEED (NVF_CRASH_SEED=$SEED reproduces them)"

check "the test build with fault hooks replaces the release module" fault_module
res=$(crashloop storeloss --images "$IMAGES" --seed "$SEED")
diag "store loss: ${res:-no result}"
check_eq "store loss: $IMAGES crash images, every flushed write recovered, none torn" \
	"$IMAGES 0" "$(result_field "$res" points) $(result_field "$res" violations)"
check "store loss: the cuts dropped unfenced stores" \
	test "$(result_field "$res" dropped)" -gt 0
check "no nvflush device is left" no_device_left
check "the release module is back" release_module

#!/usr/bin/env bash
# One power-cut cycle inside the guest (see run.sh): create the device (format
# on the first cycle, recover on the others), verify every block against the
# model, then run the verifying writer until the host cuts the power.
# Environment: NVF_KVER, NVF_CTL, PC_CYCLE, PC_SEED, PC_BLOCKS, PC_STATE,
# PC_VERIFY_ONLY (1 on the final boot).
set -euo pipefail
cd "$(dirname "$0")/../.."
modprobe libcrc32c
insmod "build/kmod/$NVF_KVER/nvflush.ko"
for _ in $(seq 50); do [ -b /dev/pmem0 ] && break; sleep 0.1; done
if [ "$PC_CYCLE" = 1 ]; then
	ndctl create-namespace -f -e namespace0.0 -m fsdax >/dev/null
	"$NVF_CTL" dev create pc --origin /dev/vda --nvm /dev/pmem0 --format
else
	"$NVF_CTL" dev create pc --origin /dev/vda --nvm /dev/pmem0
fi
"$NVF_CTL" dev show pc --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("RECOVERED blocks=%d usec=%d dirty=%d" % (d["recovered_blocks"], d["recovery_usec"], d["dirty_blocks"]))'
python3 tests/powercut/blockmodel.py verify /dev/nvflush0 "$PC_STATE" --blocks "$PC_BLOCKS"
[ "${PC_VERIFY_ONLY:-0}" = 1 ] && exit 0
echo "WRITING cycle $PC_CYCLE seed $PC_SEED"
exec python3 tests/powercut/blockmodel.py write /dev/nvflush0 "$PC_STATE" \
	--seed "$PC_SEED" --cycle "$PC_CYCLE" --blocks "$PC_BLOCKS" \
	--drain pc --ctl "$NVF_CTL"

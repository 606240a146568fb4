#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Usage: completion_test.sh COMPLETION [NVFLUSHCTL]
# Sources the bash completion COMPLETION and checks what it offers, with a
# fake nvflushctl on PATH that lists two devices and a fake cgroup2 tree.
# Given the real NVFLUSHCTL, also checks that every option its --help
# shows for a command is offered for that command.
set -uo pipefail

completion=$1
real=${2:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/bin" "$tmp/cgroup/tenant-a/job1" "$tmp/cgroup/batch" "$tmp/files"
cat >"$tmp/bin/nvflushctl" <<'FAKE'
#!/bin/sh
[ -n "${FAKE_FAIL:-}" ] && { echo "nvflushctl: module not loaded" >&2; exit 1; }
[ "$*" = "dev list --json" ] || exit 2
echo '{"devices":[{"name":"d0","disk":"nvflush0","index":0},{"name":"data1","disk":"nvflush1","index":1}]}'
FAKE
chmod +x "$tmp/bin/nvflushctl"
printf 'sysfs /sys sysfs rw 0 0\ncgroup2 %s cgroup2 rw 0 0\n' "$tmp/cgroup" >"$tmp/mounts"
touch "$tmp/files/nvflush.yaml" "$tmp/files/other.txt"
export PATH="$tmp/bin:$PATH"

_nvflushctl_mounts=$tmp/mounts
# shellcheck source=/dev/null
source "$completion"

passed=0 failed=0

# What the completion offers for the words given, sorted, one space apart.
offers() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_nvflushctl
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'
}

# check DESCRIPTION EXPECTED WORD...: the last word is the one completed.
check() {
	local description=$1 expected=$2 got
	shift 2
	got=$(offers "$@")
	if [ "$got" = "$expected" ]; then
		passed=$((passed + 1))
		echo "ok - $description"
	else
		failed=$((failed + 1))
		echo "not ok - $description"
		echo "#   words:    $*"
		echo "#   expected: '$expected'"
		echo "#   got:      '$got'"
	fi
}

check "top-level commands" "--help --version apply dev monitor policy stats" nvflushctl ""
check "top-level options" "--help --version" nvflushctl --
check "dev s: set and show" "set show" nvflushctl dev s
check "policy commands" "--help del list set show" nvflushctl policy ""
check "device names from dev list --json" "d0 data1" nvflushctl dev show ""
check "device names, filtered" "data1" nvflushctl dev drain da
check "stats NAME" "d0 data1" nvflushctl stats ""
check "stats NAME after --watch SECONDS" "d0 data1" nvflushctl stats --watch 2 ""
check "policy set DEV" "d0 data1" nvflushctl policy set ""
check "policy set d0 /: cgroups" "/ /batch /tenant-a" nvflushctl policy set d0 /
check "cgroups, an empty word" "/ /batch /tenant-a" nvflushctl policy show d0 ""
check "cgroups one level down" "/tenant-a/job1" nvflushctl policy del d0 /tenant-a/
check "cgroups by prefix" "/tenant-a" nvflushctl policy set d0 /t
check "cgroups of --cgroup" "/batch" nvflushctl stats --cgroup /b
check "no third positional" "--help --max-dirty --mode --on-full --weight" \
	nvflushctl policy set d0 /a ""
check "--mode values" "absorb bypass sync-only" nvflushctl dev set d0 --mode ""
check "--mode values of dev create" "sync-only" nvflushctl dev create d0 --mode s
check "--mode=VALUE" "absorb bypass sync-only" nvflushctl policy set d0 /a --mode = ""
check "--mode=PREFIX" "bypass" nvflushctl policy set d0 /a --mode = b
check "--on-full values" "bypass throttle" nvflushctl policy set d0 /a --on-full ""
check "--root-sync values" "absorb follow" nvflushctl dev set d0 --root-sync ""
check "no values for numbers" "" nvflushctl dev set d0 --high-watermark ""
check "dev set options" \
	"--destage-rate --help --high-watermark --low-watermark --mode --root-sync" \
	nvflushctl dev set d0 --
check "options after a value" "--format --help --mode --nvm --origin" \
	nvflushctl dev create d0 --origin /dev/vda --
check "--mode=VALUE is skipped" "d0 data1" nvflushctl dev set --mode = absorb ""
check "stats options" "--cgroup --count --help --json --prometheus --watch" nvflushctl stats --
check "apply options" "--dry-run --file --help --prune -f" nvflushctl apply ""
check "monitor options" "--count --dev --help --json" nvflushctl monitor -
check "monitor --dev NAME" "d0 data1" nvflushctl monitor --dev ""
check "files for -f" "$tmp/files/nvflush.yaml $tmp/files/other.txt" \
	nvflushctl apply -f "$tmp/files/"
check "files for --nvm" "$tmp/files/nvflush.yaml" nvflushctl dev create d0 --nvm "$tmp/files/n"
FAKE_FAIL=1 check "nothing when nvflushctl fails" "" nvflushctl dev show ""
_nvflushctl_mounts=$tmp/none check "nothing without a cgroup2 mount" "" \
	nvflushctl policy set d0 /

# Every option of every command of the real nvflushctl is offered (-h,
# the short --help, aside).
options_of() { # COMMAND...: the options its --help shows
	"$real" "$@" --help | sed -n 's/^  \(-[^ ]*\).*/\1/p' | tr ',' '\n' | grep -vx -- -h
}
commands_of() { # COMMAND...: its subcommands
	"$real" "$@" --help | sed -n '/^Subcommands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'
}
check_options() { # COMMAND...
	local subs option offered
	subs=$(commands_of "$@")
	if [ -n "$subs" ]; then
		for sub in $subs; do
			check_options "$@" "$sub"
		done
		return
	fi
	offered=" $(offers nvflushctl "$@" -) "
	missing=""
	for option in $(options_of "$@"); do
		[[ $offered == *" $option "* ]] || missing="$missing $option"
	done
	if [ -z "$missing" ]; then
		passed=$((passed + 1))
		echo "ok - options of nvflushctl $*"
	else
		failed=$((failed + 1))
		echo "not ok - options of nvflushctl $*: not offered:$missing"
	fi
}
if [ -n "$real" ]; then
	check_options
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

# shellcheck shell=bash
# KUnit tests of the module's pure logic (nvflush_kunit.ko, built only
# against a kernel with KUnit). Loading the module runs its suites; each
# nvflush_* suite must report "ok" with at least one case run, and every
# expected suite must be there. The module is unloaded again; nvflush.ko
# stays as t10 left it. Without KUnit nothing is checked.

# The suites of kmod/*_kunit.c.
kunit_expected=(nvflush_destage nvflush_format nvflush_histogram nvflush_index
	nvflush_policy)

# kunit_suite_ok SUITE: its results say "ok", with no failed or skipped
# case and at least one case passed.
kunit_suite_ok() {
	local res=/sys/kernel/debug/kunit/$1/results out cases
	out=$(cat "$res") || return 1
	cases=$(grep -cE '^    ok [0-9]+ ' <<<"$out")
	if ! grep -qx "ok 1 $1" <<<"$out"; then
		echo "suite result is not \"ok 1 $1\""
	elif grep -qE '^ *not ok ' <<<"$out"; then
		echo "a case failed"
	elif grep -q '# SKIP' <<<"$out"; then
		echo "a case was skipped"
	elif [ "$cases" -lt 1 ]; then
		echo "no case ran"
	else
		return 0
	fi
	return 1
}

kunit_config=/boot/config-$(uname -r)
if ! grep -qE '^CONFIG_KUNIT=(y|m)$' "$kunit_config" 2>/dev/null; then
	diag "KUnit is not built into this kernel"
else
	grep -q '^CONFIG_KUNIT=m$' "$kunit_config" && modprobe kunit
	[ -d /sys/kernel/debug/kunit ] ||
		mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	check "insmod nvflush_kunit.ko (runs the KUnit suites)" \
		insmod "${NVF_KO%/*}/nvflush_kunit.ko"
	mapfile -t kunit_found < <(find /sys/kernel/debug/kunit -mindepth 1 \
		-maxdepth 1 -name 'nvflush_*' -printf '%f\n' 2>/dev/null | sort)
	mapfile -t kunit_all < <(printf '%s\n' "${kunit_expected[@]}" \
		"${kunit_found[@]}" | sort -u)
	for s in "${kunit_all[@]}"; do
		if [ -r "/sys/kernel/debug/kunit/$s/results" ]; then
			while IFS= read -r line; do
				diag "$line"
			done <"/sys/kernel/debug/kunit/$s/results"
		fi
		check "KUnit suite $s: ok, at least one case" kunit_suite_ok "$s"
	done
	check_eq "KUnit suites nvflush_* are the expected ones" \
		"${kunit_expected[*]}" "${kunit_found[*]}"
	check "rmmod nvflush_kunit" rmmod nvflush_kunit
	check "nvflush_kunit is gone, its suites with it" bash -c \
		'! test -e /sys/module/nvflush_kunit &&
		 ! ls -d /sys/kernel/debug/kunit/nvflush_* 2>/dev/null'
fi

# shellcheck shell=bash
# nvflushctl apply -f: a declarative file of devices and policies against
# the real kernel; --dry-run changes nothing, a second apply changes
# nothing, a bad file changes nothing. d0 (origin $ORIGIN, NVM $PMEM)
# exists and is unmounted.

cg=/sys/fs/cgroup
mkdir -p $cg/ap1 $cg/ap2
f=$(mktemp --suffix=.yaml)
cat >"$f" <<YAML
devices:
  - name: d0
    origin: $ORIGIN
    nvm: $PMEM
    destage-rate: 64M
    policies:
      - cgroup: /ap1
        mode: absorb
        max-dirty: 8M
        on-full: bypass
        weight: 300
      - cgroup: /ap2
        mode: sync-only
YAML
pcount() { nvfctl policy list d0 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["policies"]))'; }
before=$(pcount)
out=$(nvfctl apply -f "$f" --dry-run 2>&1)
check "apply --dry-run prints what it would do" grep -q "^would create policy d0 /ap1" <<<"$out"
check_eq "apply --dry-run changed nothing" "$before" "$(pcount)"
out=$(nvfctl apply -f "$f" 2>&1)
diag "apply: $(tr '\n' ';' <<<"$out")"
check "apply creates the policies" grep -q "^create policy d0 /ap2" <<<"$out"
check_eq "apply set the destage rate" $((64 * 1024 * 1024)) "$(dev_field d0 destage_rate)"
check_eq "/ap1's weight is 300" 300 "$(nvfctl policy show d0 /ap1 --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["weight"])')"
check_eq "a second apply is idempotent" "d0: up to date" "$(nvfctl apply -f "$f" 2>&1)"
sed -i 's/weight: 300/weight: 0/' "$f"
check_fails "a file with a bad value is refused" 1 "weight" nvfctl apply -f "$f"
check_eq "... and changed nothing" 300 "$(nvfctl policy show d0 /ap1 --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["weight"])')"
check_fails "a missing file is refused" 1 "no-such.yaml" nvfctl apply -f /tmp/no-such.yaml
nvfctl policy del d0 /ap1 >/dev/null
nvfctl policy del d0 /ap2 >/dev/null
nvfctl dev set d0 --destage-rate 0 >/dev/null
rmdir $cg/ap1 $cg/ap2
rm -f "$f"

# SPDX-License-Identifier: GPL-2.0-only
#
# bash completion of nvflushctl: commands, options, the values of --mode,
# --on-full and --root-sync, device names (from `nvflushctl dev list
# --json`; nothing when that fails) for arguments and --dev, cgroups (directories under the cgroup2
# mount, as paths from its root: /, /tenant-a, ...) and files. Needs bash
# only, not the bash-completion package. Installed as
# share/bash-completion/completions/nvflushctl.

# The mounts table that names the cgroup2 mount; tests point it elsewhere.
_nvflushctl_mounts=${_nvflushctl_mounts:-/proc/self/mounts}

# Options that take a value in the next word. --watch takes one only if it
# is a number.
_nvflushctl_valued=" --origin --nvm --mode --high-watermark --low-watermark --destage-rate \
--root-sync --timeout --max-dirty --on-full --weight --id --cgroup --count --dev -f --file "

# The options of a command ("dev create", "stats", ...).
_nvflushctl_options() {
	case $1 in
	"dev create") echo --origin --nvm --format --mode ;;
	"dev list" | "dev show" | "policy show" | "policy list") echo --json ;;
	"dev set") echo --mode --high-watermark --low-watermark --destage-rate --root-sync ;;
	"dev drain") echo --no-wait --timeout ;;
	"policy set") echo --mode --max-dirty --on-full --weight ;;
	"policy del") echo --id ;;
	stats) echo --cgroup --json --prometheus --watch --count ;;
	apply) echo -f --file --dry-run --prune ;;
	monitor) echo --json --dev --count ;;
	esac
	echo --help
}

# The names of the devices, one a line, as the nvflushctl at hand lists them.
_nvflushctl_devices() {
	local json
	json=$("$1" dev list --json 2>/dev/null) || return 0
	while [[ $json =~ \"name\":\"([^\"]*)\"(.*) ]]; do
		printf '%s\n' "${BASH_REMATCH[1]}"
		json=${BASH_REMATCH[2]}
	done
}

# The cgroups whose path starts with $1, as paths under the cgroup2 mount:
# the root "/" and the directories one level below what $1 names.
_nvflushctl_cgroups() {
	local cur=$1 root="" mnt fstype dir
	while read -r _ mnt fstype _; do
		if [[ $fstype == cgroup2 ]]; then
			root=$(printf '%b' "$mnt")  # undoes \040 and the like
			break
		fi
	done 2>/dev/null <"$_nvflushctl_mounts"
	[[ -n $root && -d $root ]] || return 0
	[[ $cur == /* ]] || cur=/$cur
	[[ $cur == / ]] && printf '/\n'
	for dir in "${root%/}$cur"*/; do
		[[ -d $dir ]] || continue
		dir=${dir%/}
		printf '%s\n' "${dir#"${root%/}"}"
	done
}

_nvflushctl() {
	local cword=$COMP_CWORD cur=${COMP_WORDS[COMP_CWORD]} prev="" i word
	local command="" sub="" cmd=${COMP_WORDS[0]}
	local -a positionals=()
	((cword > 0)) && prev=${COMP_WORDS[cword - 1]}
	# "--mode=ab" arrives as "--mode" "=" "ab" (= is a word break).
	if [[ $cur == = ]]; then
		cur=""
	elif [[ $prev == = ]] && ((cword > 1)); then
		prev=${COMP_WORDS[cword - 2]}
	fi

	for ((i = 1; i < cword; i++)); do
		word=${COMP_WORDS[i]}
		if [[ ${COMP_WORDS[i + 1]:-} == = ]]; then
			((i += 2))  # --option=value
		elif [[ $word == -* ]]; then
			if [[ $_nvflushctl_valued == *" $word "* ]] ||
				[[ $word == --watch && ${COMP_WORDS[i + 1]:-} =~ ^[0-9.]+$ ]]; then
				((i++))
			fi
		elif [[ -z $command ]]; then
			command=$word
		elif [[ ($command == dev || $command == policy) && -z $sub ]]; then
			sub=$word
		else
			positionals+=("$word")
		fi
	done
	[[ -n $sub ]] && command="$command $sub"

	COMPREPLY=()
	case $prev in
	--mode)
		mapfile -t COMPREPLY < <(compgen -W "absorb sync-only bypass" -- "$cur")
		return 0
		;;
	--on-full)
		mapfile -t COMPREPLY < <(compgen -W "throttle bypass" -- "$cur")
		return 0
		;;
	--root-sync)
		mapfile -t COMPREPLY < <(compgen -W "absorb follow" -- "$cur")
		return 0
		;;
	--origin | --nvm | -f | --file)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	--cgroup)
		mapfile -t COMPREPLY < <(_nvflushctl_cgroups "$cur")
		return 0
		;;
	--dev)
		mapfile -t COMPREPLY < <(compgen -W "$(_nvflushctl_devices "$cmd")" -- "$cur")
		return 0
		;;
	--high-watermark | --low-watermark | --destage-rate | --timeout | --max-dirty | \
		--weight | --id | --count)
		return 0
		;;
	esac

	local words=""
	case $command in
	"") words="dev stats policy apply monitor --help --version" ;;
	dev) words="create destroy list show set drain --help" ;;
	policy) words="set del show list --help" ;;
	*)
		if [[ $cur != -* ]]; then
			case "$command:${#positionals[@]}" in
			"dev destroy:0" | "dev show:0" | "dev set:0" | "dev drain:0" | \
				"policy set:0" | "policy del:0" | "policy show:0" | "policy list:0" | \
				"stats:0")
				mapfile -t COMPREPLY < <(compgen -W "$(_nvflushctl_devices "$cmd")" -- "$cur")
				return 0
				;;
			"policy set:1" | "policy del:1" | "policy show:1")
				mapfile -t COMPREPLY < <(_nvflushctl_cgroups "$cur")
				return 0
				;;
			esac
		fi
		words=$(_nvflushctl_options "$command")
		;;
	esac
	mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
	return 0
}

complete -F _nvflushctl nvflushctl

# Bash completion for qga-forge: subcommands, their options and arguments.
# Installed as share/bash-completion/completions/qga-forge; to try it from a
# source tree: `. completion/qga-forge.bash`.
#
# Commands and options are read from qga-forge itself (`qga-forge help`,
# `qga-forge COMMAND --help`), once per shell, so the completion always
# matches the binary that runs. Needs bash 4; uses no bash-completion helpers.

declare -gA _qga_forge_opts_cache=()
declare -g _qga_forge_cmds_cache=

# The subcommands, from `qga-forge help`.
_qga_forge_commands() {
	if [ -z "$_qga_forge_cmds_cache" ]; then
		_qga_forge_cmds_cache=$("$1" help 2>/dev/null |
			sed -n 's/^  \([a-z][a-z-]*\)  *.*/\1/p')
	fi
	printf '%s\n' "$_qga_forge_cmds_cache"
}

# The options of a subcommand ("spec bump" for a spec action), from its --help.
_qga_forge_options() {
	local prog=$1 key=$2
	if [ -z "${_qga_forge_opts_cache[$key]+set}" ]; then
		# shellcheck disable=SC2086 # the key is "CMD" or "spec ACTION"
		_qga_forge_opts_cache[$key]=$("$prog" $key --help 2>/dev/null |
			grep -oE '^ +(-[a-zA-Z?], )?--[a-z][a-z0-9-]*' |
			grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
	fi
	printf '%s\n' "${_qga_forge_opts_cache[$key]}"
}

# Fill COMPREPLY with files (matching an extended glob, or all) and directories.
_qga_forge_files() {
	local cur=$1 glob=${2:-} f
	local -a found=()
	compopt -o filenames 2>/dev/null
	while IFS= read -r f; do
		if [ -d "$f" ]; then
			found+=("$f")
		elif [ -z "$glob" ]; then
			found+=("$f")
		else
			# shellcheck disable=SC2053 # the glob is meant to match
			[[ $f == $glob ]] && found+=("$f")
		fi
	done < <(compgen -f -- "$cur")
	COMPREPLY=("${found[@]}")
}

_qga_forge_dirs() {
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -d -- "$1")
}

_qga_forge() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	local prog=${COMP_WORDS[0]} cmd= action= i w nargs=0
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	command -v "$prog" >/dev/null 2>&1 || prog=qga-forge

	# The subcommand (and the spec action) among the words before the cursor;
	# nargs counts the positional arguments after them.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-w | --workspace | -o | --output | -D | --define | -j | --jobs | -c | --command | \
			--comment | --changelog | -p | --packager | -s | --suffix | --socket | --timeout | \
			--handler | --after | --name | --arg | --returns | --doc | --since | --agent | \
			--call | --repo | --sign | --gpg-home | --repo-id | --baseurl | --container | --mock)
			[ -n "$cmd" ] && i=$((i + 1))
			continue
			;;
		-*) continue ;;
		esac
		if [ -z "$cmd" ]; then
			cmd=$w
		elif [ "$cmd" = spec ] && [ -z "$action" ]; then
			action=$w
		else
			nargs=$((nargs + 1))
		fi
	done

	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W '--help --version' -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$(_qga_forge_commands "$prog")" -- "$cur")
		fi
		return 0
	fi

	# Values of options.
	case $prev in
	-w | --workspace | -o | --output | --repo | --gpg-home)
		_qga_forge_dirs "$cur"
		return 0
		;;
	--handler)
		_qga_forge_files "$cur" '*.c'
		return 0
		;;
	--agent | -s | --socket)
		_qga_forge_files "$cur"
		return 0
		;;
	-c | --command)
		if [ "$cmd" = forge ]; then
			_qga_forge_files "$cur" '*.qapi'
			return 0
		fi
		[ "$cmd" = spec ] && return 0
		;;
	--container)
		mapfile -t COMPREPLY < <(compgen -W 'el7' -- "$cur")
		return 0
		;;
	--rpm)
		_qga_forge_files "$cur" '*.rpm'
		return 0
		;;
	-t | --target)
		mapfile -t COMPREPLY < <(compgen -W 'el7 el8 el9 el10 fedora' -- "$cur")
		return 0
		;;
	--mock)
		local cfgs
		cfgs=$(cd /etc/mock 2>/dev/null && ls -- *.cfg 2>/dev/null | sed 's/\.cfg$//')
		mapfile -t COMPREPLY < <(compgen -W "$cfgs" -- "$cur")
		return 0
		;;
	-D | --define | -j | --jobs | --comment | --changelog | -p | --packager | --suffix | \
		--timeout | --after | --name | --arg | --returns | --doc | --since | --call | \
		--sign | --repo-id | --baseurl)
		return 0
		;;
	esac

	if [[ $cur == -* ]]; then
		local key=$cmd
		[ "$cmd" = spec ] && [ -n "$action" ] && key="spec $action"
		mapfile -t COMPREPLY < <(compgen -W "$(_qga_forge_options "$prog" "$key")" -- "$cur")
		return 0
	fi

	# Positional arguments.
	case $cmd in
	init | forge)
		[ "$nargs" -eq 0 ] && _qga_forge_files "$cur" '*.src.rpm'
		;;
	add-command)
		[ "$nargs" -eq 0 ] && _qga_forge_files "$cur" '*.qapi'
		;;
	publish)
		[ "$nargs" -eq 0 ] && _qga_forge_dirs "$cur"
		;;
	check-rpm)
		_qga_forge_files "$cur" '*.rpm'
		;;
	help)
		[ "$nargs" -eq 0 ] &&
			mapfile -t COMPREPLY < <(compgen -W "$(_qga_forge_commands "$prog")" -- "$cur")
		;;
	spec)
		if [ -z "$action" ]; then
			mapfile -t COMPREPLY < <(compgen -W 'add-patch renumber bump check' -- "$cur")
		elif [ "$nargs" -eq 0 ]; then
			_qga_forge_files "$cur" '*.spec'
		elif [ "$action" = add-patch ] && [ "$nargs" -eq 1 ]; then
			_qga_forge_files "$cur" '*.patch'
		fi
		;;
	esac
	return 0
}

complete -F _qga_forge qga-forge

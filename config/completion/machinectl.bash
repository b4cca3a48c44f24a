# bash completion for machbox's machinectl: commands, options, their
# values, and the names of machines and images.  Plain bash: it needs no
# bash-completion package (installed as
# /usr/share/bash-completion/completions/machinectl, or source it).
# test/cli/docs.sh holds the lists below against the source's tables.

# commands by what their first argument is
_machinectl_running="status show login shell poweroff stop reboot terminate kill console bind copy-to copy-from"
_machinectl_images="start enable disable logs image-status show-image clone rename remove read-only export-tar export-raw"
_machinectl_files="import-tar import-raw import-fs"
_machinectl_none="list list-images clean pull-tar pull-raw"
# options; a trailing = takes a value
_machinectl_opts="--help --version --no-pager --no-legend --no-ask-password --property= --value
	--all --full --kill-whom= --signal= --uid= --setenv= --read-only --mkdir --force --now
	--verify= --private-users= --max-addresses= --lines= --follow --escape= --output= --quiet"
# short options that take the next word as their value
_machinectl_shortarg="-p -P -s -E -n -o"

# the names in the first column of a listing
_machinectl_names() {
	"$1" "$2" --no-legend 2>/dev/null | while read -r name _; do
		[ -n "$name" ] && printf '%s\n' "$name"
	done
}

# values of an option
_machinectl_values() {
	case $1 in
	--verify) echo "no checksum signature" ;;
	--private-users) echo "pick" ;;
	--kill-whom) echo "leader all" ;;
	--output | -o) echo "short json" ;;
	--signal | -s) echo "SIGTERM SIGKILL SIGHUP SIGINT SIGUSR1 SIGUSR2 SIGPWR SIGRTMIN+3 SIGRTMIN+4" ;;
	--escape) echo "^] ^A ^B ^E ^O ^X" ;;
	--max-addresses) echo "all 1 2 4" ;;
	*) return 1 ;;
	esac
}

# COMPREPLY: the words of list $1 (blank-separated) that start with $2
_machinectl_reply() {
	local IFS=$' \t\n'
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

# COMPREPLY: file names starting with $1 (spaces in them kept)
_machinectl_files_reply() {
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$1")
}

_machinectl() {
	local cur=${COMP_WORDS[COMP_CWORD]} prog=${COMP_WORDS[0]}
	local i w opt= verb= nargs=0 skip=0 vals

	COMPREPLY=()
	# --opt=VALUE: bash splits at '=' unless COMP_WORDBREAKS lost it
	if [ "$cur" = "=" ] && [ "$COMP_CWORD" -ge 2 ]; then
		opt=${COMP_WORDS[COMP_CWORD - 1]}
		cur=
	elif [ "$COMP_CWORD" -ge 3 ] && [ "${COMP_WORDS[COMP_CWORD - 1]}" = "=" ]; then
		opt=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		cur=${cur#*=}
	elif [ "$COMP_CWORD" -ge 2 ]; then
		w=${COMP_WORDS[COMP_CWORD - 1]}
		case " $_machinectl_shortarg " in *" $w "*) opt=$w ;; esac
		case "$_machinectl_opts" in *"$w="*) [[ $w == --* ]] && opt=$w ;; esac
	fi
	if [ -n "$opt" ]; then
		vals=$(_machinectl_values "$opt") && _machinectl_reply "$vals" "$cur"
		return 0
	fi

	# the command, and how many of its arguments come before this word
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ "$skip" = 1 ]; then
			skip=0
			continue
		fi
		case $w in
		=) skip=1; continue ;;
		--*=* | --*) case "$_machinectl_opts" in *"$w="*) [ "${COMP_WORDS[i + 1]}" != "=" ] && skip=1 ;; esac; continue ;;
		-*) case " $_machinectl_shortarg " in *" $w "*) skip=1 ;; esac; continue ;;
		esac
		if [ -z "$verb" ]; then
			verb=$w
		else
			nargs=$((nargs + 1))
		fi
	done

	if [[ $cur == -* ]]; then
		_machinectl_reply "$_machinectl_opts" "$cur"
		compopt -o nospace 2>/dev/null
		return 0
	fi
	if [ -z "$verb" ]; then
		_machinectl_reply "$_machinectl_running $_machinectl_images $_machinectl_files $_machinectl_none" "$cur"
		return 0
	fi
	case " $_machinectl_running " in
	*" $verb "*)
		if [ "$nargs" = 0 ] || [[ " status show poweroff stop reboot terminate kill " == *" $verb "* ]]; then
			_machinectl_reply "$(_machinectl_names "$prog" list)" "$cur"
		elif [[ $verb == copy-* || $verb == bind ]]; then
			_machinectl_files_reply "$cur"
		fi
		return 0
		;;
	esac
	case " $_machinectl_images " in
	*" $verb "*)
		if [ "$nargs" = 0 ] || [[ " start enable disable logs image-status show-image remove " == *" $verb "* ]]; then
			_machinectl_reply "$(_machinectl_names "$prog" list-images)" "$cur"
		elif [[ $verb == read-only ]]; then
			_machinectl_reply "yes no" "$cur"
		elif [[ $verb == export-* ]]; then
			_machinectl_files_reply "$cur"
		fi
		return 0
		;;
	esac
	case " $_machinectl_files " in
	*" $verb "*)
		if [ "$nargs" = 0 ]; then
			_machinectl_files_reply "$cur"
		fi
		;;
	esac
	return 0
}

complete -F _machinectl machinectl

# Sourced by mk/emu/run.sh and mk/emu/exec.sh (bash): what both need.

# squote VAR WORD: WORD in single quotes for sh, into VAR (no subshell).
squote() { printf -v "$1" "'%s'" "${2//\'/\'\\\'\'}"; }

# job_script COMMAND...: print a sh script that runs COMMAND inside the
# emulated machine as it would run here: this directory, this environment
# less what belongs to the host's session, then COMMAND (its stdin from
# the file JOB_STDIN names, if set).
job_script() {
	local kv name a q
	{
		squote q "$PWD"
		echo "cd $q || exit 125"
		while IFS= read -r -d '' kv; do
			name=${kv%%=*}
			[[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
			case $name in
			PWD | OLDPWD | SHLVL | _ | TMPDIR | HOME | KVM | TERM | COLUMNS | LINES) continue ;;
			# A make's jobserver and flags are for the make out here.
			MAKEFLAGS | MFLAGS | MAKELEVEL | MAKE_TERMOUT | MAKE_TERMERR) continue ;;
			# The served machine is the host's to use, not the job's.
			KVMLAB_KVM_EXEC | KVMLAB_EMU_SESSION) continue ;;
			esac
			squote q "${kv#*=}"
			echo "export $name=$q"
		done < <(env -0)
		# KVM works in there: a make or a script the job runs must not
		# start another emulated machine.
		echo "export KVM=native KVMLAB_EMULATED=1 HOME=/tmp"
		squote q "${TERM:-dumb}"
		echo "export TERM=$q"
		# JOB_STDIN: a file to read instead of the terminal.
		if [ -n "${JOB_STDIN:-}" ]; then
			squote q "$JOB_STDIN"
			echo "exec <$q"
		fi
		printf 'exec'
		for a in "$@"; do
			squote q "$a"
			printf ' %s' "$q"
		done
		echo
	}
}

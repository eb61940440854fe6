# Sourced by mk/emu/run.sh and mk/emu/exec.sh (bash): what both need.

# quote WORD: WORD in single quotes, for sh.
quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# job_script COMMAND...: print a sh script that runs COMMAND inside the
# emulated machine as it would run here: this directory, this environment
# less what belongs to the host's session, then COMMAND.
job_script() {
	local kv name a
	{
		echo "cd $(quote "$PWD") || exit 125"
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
			echo "export $name=$(quote "${kv#*=}")"
		done < <(env -0)
		# KVM works in there: a make or a script the job runs must not
		# start another emulated machine.
		echo "export KVM=native KVMLAB_EMULATED=1 HOME=/tmp"
		echo "export TERM=$(quote "${TERM:-dumb}")"
		printf 'exec'
		for a in "$@"; do printf ' %s' "$(quote "$a")"; done
		echo
	}
}

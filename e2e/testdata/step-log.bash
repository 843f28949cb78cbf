# shellcheck shell=bash
# The e2e workflows set BASH_ENV to this file, so bash reads it before each
# `shell: bash` step, the composite actions' inner steps included. When the
# test names a file in E2E_STEP_LOG, the step runs again in a child bash
# whose output is copied there as well as to act. The pipeline ends only
# when tee has written everything, so the file is complete when the step
# ends, even when act has not read the step's last lines (its host mode
# closes a failing step's terminal without draining it). The file lies
# outside act's work dir, which act deletes after the job.
if [[ -n ${E2E_STEP_LOG:-} && -z ${E2E_STEP_LOGGING:-} ]]; then
	export E2E_STEP_LOGGING=1
	# The runner's own flags for `shell: bash` (-e -o pipefail), as given.
	flags=()
	[[ $- == *e* ]] && flags+=(-e)
	shopt -qo pipefail && flags+=(-o pipefail)
	set +e
	bash --noprofile --norc "${flags[@]}" "$0" "$@" 2>&1 | tee -a "$E2E_STEP_LOG"
	exit "${PIPESTATUS[0]}"
fi

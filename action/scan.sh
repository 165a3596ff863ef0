#!/usr/bin/env bash
# The kmslint Action's scan step (action.yml runs it with the inputs in KMSLINT_* variables).
# Findings go to the job log as workflow commands (annotations on the pull request), SARIF to
# KMSLINT_SARIF for upload-sarif, and a Markdown summary to $GITHUB_STEP_SUMMARY.
# Tests run this script locally with a fake RUNNER_TEMP and GITHUB_STEP_SUMMARY (tests/test_github_action.py).
set -euo pipefail
set -f  # paths are split on whitespace but never globbed
venv="${KMSLINT_VENV:-$RUNNER_TEMP/kmslint-venv}"
report="$RUNNER_TEMP/kmslint-report.json"
# shellcheck disable=SC2206
paths=(${KMSLINT_PATHS:-.})
args=(scan "${paths[@]}" --format github --output-sarif "$KMSLINT_SARIF" --output-json "$report" --fail-on "$KMSLINT_FAIL_ON")
if [ -n "${KMSLINT_CATEGORY:-}" ]; then
  args+=(--sarif-category "$KMSLINT_CATEGORY")
fi
if [ "${KMSLINT_OMIT_SUPPRESSED:-false}" = "true" ]; then
  args+=(--sarif-omit-suppressed)
fi
if [ "${KMSLINT_REPORT_UNUSED_SUPPRESSIONS:-true}" = "true" ]; then
  args+=(--report-unused-suppressions)
fi
echo "sarif-file=$KMSLINT_SARIF" >> "$GITHUB_OUTPUT"
rm -f "$report"
set +e
"$venv/bin/kmslint" "${args[@]}"
rc=$?
set -e
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if [ -s "$report" ]; then
    "$venv/bin/python" "$(dirname "$0")/summary.py" "$report" "$KMSLINT_SARIF" >> "$GITHUB_STEP_SUMMARY"
  else
    printf '## kmslint\n\nkmslint did not produce a report (exit code %s); see the step log.\n' "$rc" >> "$GITHUB_STEP_SUMMARY"
  fi
fi
exit "$rc"

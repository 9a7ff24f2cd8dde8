#!/usr/bin/env bash
# Runs tests/test_cfnlint_plugin.py, and the cfn-lint tests of tests/test_property_catalogue.py
# (every value shape of every leaf property through the plugin; its slow every-depth matrix
# is left to a direct run), once per cfn-lint era, each in a
# fresh venv in a temp dir:
#   cfn-lint==1.53.3  the last era that runs the SAM transform before its rules
#                     (rules see AWS::Lambda::Function, generated roles, no CodeUri);
#   cfn-lint>=1.54    the newest release: rules see the SAM template, Globals merged.
# The test file reads the installed version and asserts that era's behaviour.
# Usage: scripts/test_cfnlint_eras.sh [PIP-REQUIREMENT...]
#        (default: "cfn-lint==1.53.3" "cfn-lint>=1.54"; PYTHON picks the interpreter)
set -uo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ "$#" -eq 0 ]; then
  set -- "cfn-lint==1.53.3" "cfn-lint>=1.54"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/loopcheck-cfnlint-eras.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
status=0
index=0
for requirement in "$@"; do
  index=$((index + 1))
  venv="$work/venv$index"
  started=$SECONDS
  if ! { "$python" -m venv "$venv" &&
         "$venv/bin/pip" install -q --disable-pip-version-check ".[test]" "$requirement"; }; then
    echo "test_cfnlint_eras: could not install $requirement" >&2
    status=1
    continue
  fi
  installed=$("$venv/bin/python" -c 'from importlib.metadata import version; print(version("cfn-lint"))')
  echo "== $requirement (cfn-lint $installed)"
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/test_cfnlint_plugin.py
  result=$?
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/test_property_catalogue.py -m "not slow" -k "cfn_lint or plugin"
  [ "$?" -eq 0 ] || result=1
  echo "== $requirement: pytest exit $result, $((SECONDS - started)) s with install"
  [ "$result" -eq 0 ] || status=1
done
exit "$status"

"""Mechanical fixes: line edits on a template that a finding's fix is (SARIF `fixes`,
`loopcheck scan --diff`)."""

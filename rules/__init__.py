"""loopcheck's rules, one module per rule, each exposing `RULE` (a loopcheck.rulebase.Rule).

Installed as `loopcheck.rules`; loopcheck.rulebase discovers every module here, so adding a
rule is adding a file (and its fixtures).
"""

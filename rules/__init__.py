"""loopcheck's rules, one module per rule, each exposing `RULE` (a loopcheck.rulebase.rule.Rule).

Installed as `loopcheck.rules`; loopcheck.rulebase.rule discovers every module here, so adding a
rule is adding a file (and its fixtures).
"""

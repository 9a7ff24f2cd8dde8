"""The cfn-lint plugin's public name, which users put on cfn-lint's command line:

    cfn-lint --include-checks I --append-rules loopcheck.cfnlint_plugin -- template.yaml

cfn-lint collects the rule classes it finds at a module's top level; they are defined in
loopcheck.app.cfnlint_plugin (the front-end) and named here so that this name stays stable.
"""

from loopcheck.app.cfnlint_plugin import *  # noqa: F401,F403 - the rule classes, for cfn-lint
from loopcheck.app.cfnlint_plugin import __all__  # noqa: F401

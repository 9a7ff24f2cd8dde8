"""Front-ends over the one pipeline: the CLI, the scan driver, configuration, baselines, the
cfn-lint plugin and rule documentation."""

"""Which file suffixes hold handler code, per language, and which are build outputs.

Where they matter: finding a handler's entry file from its `Handler` setting
(loopcheck.code.locate), and tracing a built JavaScript file back to the TypeScript or
JavaScript it was built from (loopcheck.code.build_sources). Node.js resolves `.js`, `.mjs`
and `.cjs` handlers; TypeScript sources build to them.
"""

PYTHON_SUFFIXES = (".py",)
JS_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
BUILT_SUFFIXES = (".js", ".mjs", ".cjs")  # what a bundler or tsc writes, and Node runs
CSHARP_SUFFIXES = (".cs",)  # a .NET project's sources (all of them compile together)
TS_SOURCE_SUFFIXES = (".ts", ".tsx", ".mts", ".cts")
JAVA_SUFFIXES = (".java",)  # a Java handler class `pkg.Class` is src/main/java/pkg/Class.java

# The Metadata key a front-end writes on a function whose deployment package is exactly one
# folder or one file, with nothing added by a build step (Terraform: the function deploys an
# `archive_file` of `source_dir` / `source_file`). Its value is that folder or file, relative
# to the folder of the function's own file, as `Code` is. A handler module missing from it is
# missing from the deployed function (loopcheck.code.exact_package).
EXACT_PACKAGE_METADATA = "loopcheck:package"

"""Generated hostile handler code: the shapes that made handler analysis blow up.

Bundlers (esbuild, webpack, CDK's NodejsFunction) emit one file with thousands of small
functions and `var` declarations, and hand-written handlers sometimes declare hundreds of
constants in one function. Each generator returns source text whose handler writes the
bucket that triggers it (`process.env.BUCKET`, the incoming key): an analysis that finishes
reports that write; one that gives up must say so. Used by tests/test_code_budget.py and
benchmarks/handler_budget.py (and the long handlers by
benchmarks/handler_memory.py and tests/test_code_tree_walks.py); the same arguments always give
the same text.
"""

from __future__ import annotations

from typing import List

_JS_WRITE = (
    'const { S3Client, PutObjectCommand } = require("@aws-sdk/client-s3");\n'
    "const s3 = new S3Client({});\n"
)


def js_many_names(count: int, keyword: str = "let") -> str:
    """One handler function declaring `count` names (`keyword`: let, var or const): helper
    arrow functions calling the one before, constants and object literals built from them."""
    lines = [_JS_WRITE, "exports.handler = async (event) => {",
             "  const key = event.Records[0].s3.object.key;", f"  {keyword} x0 = (v) => v + 1;"]
    for i in range(1, count):
        if i % 3 == 0:
            lines.append(f"  {keyword} x{i} = (v) => x{i - 1}(v) + x{i - 2}(v) + {i % 7};")
        elif i % 3 == 1:
            lines.append(f"  {keyword} x{i} = {{ n: x{i - 1}(1), k: key }};")
        else:
            lines.append(f"  {keyword} x{i} = (v) => x{i - 2}(v + x{i - 1}.n);")
    lines.append(f"  const total = x{count - 1 - (count - 1) % 3}(key.length);")
    lines.append('  await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET, Key: "out/" + key, '
                 "Body: String(total) }));")
    lines.append("};")
    return "\n".join(lines) + "\n"


def js_bundle(target_bytes: int, style: str = "esbuild") -> str:
    """A minified bundle of about target_bytes: thousands of small functions full of `var`
    declarations that call one another, and the handler at the end. style "webpack" puts the
    functions in a module table inside one IIFE (one huge scope), "esbuild" at top level."""
    parts: List[str] = []
    size = 0
    i = 0
    while size < target_bytes:
        callee = f"f{i - 1}(e,r)" if i else "e+t"
        # minified: every function reuses the same short names (e, t, r, n, o, i)
        body = (f"function f{i}(e,t){{var r=e+{i % 13},n=function(e){{return e+t}},o={{k:v{max(i - 1, 0)},"
                f"n:r}},i={callee};o.n=n(r);if(r>{i % 97})return i;for(var a=0;a<t;a++){{r+=n(a)}}"
                f"return r+i+o.n}}")
        if style == "webpack":
            body = f"{i}:(m,x,r)=>{{var q=r({max(i - 1, 0)});{body}m.exports=f{i}}},"
        else:  # esbuild: module-level `var` lists that later code reads
            body += f"var v{i}=f{i}({i},{i % 11}),w{i}=v{i}+{i % 3};"
        parts.append(body)
        size += len(body)
        i += 1
    handler = ('async function handler(event){var k=event.Records[0].s3.object.key;var n=f0(1,2);'
               'await s3.send(new PutObjectCommand({Bucket:process.env.BUCKET,Key:"out/"+k,Body:String(n)}))}')
    if style == "webpack":
        return ('"use strict";' + _JS_WRITE.replace("\n", "") + "var v0=1;(()=>{var M={" + "".join(parts)
                + "};function r(i){var m={exports:{}};M[i](m,m.exports,r);return m.exports}"
                + "})();function f0(a,b){return a+b}" + handler + "exports.handler=handler;\n")
    head = '"use strict";' + _JS_WRITE.replace("\n", "")
    return head + "".join(parts) + handler + "exports.handler=handler;\n"


def js_deep_nesting(depth: int) -> str:
    """Blocks nested depth deep, a constant declared at each level, the write at the bottom."""
    lines = [_JS_WRITE, "exports.handler = async (event) => {", "  const key = event.Records[0].s3.object.key;"]
    for i in range(depth):
        lines.append(f"if (key.length > {i}) {{ const y{i} = {i};")
    lines.append('await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET, Key: "out/" + key }));')
    lines.append("}" * depth)
    lines.append("};")
    return "\n".join(lines) + "\n"


_PY_WRITE = "import os\nimport boto3\n\ns3 = boto3.client('s3')\n"


def py_many_names(count: int) -> str:
    """The Python twin of js_many_names."""
    lines = [_PY_WRITE, "def handler(event, context):", "    key = event['Records'][0]['s3']['object']['key']",
             "    x0 = len(key)"]
    for i in range(1, count):
        lines.append(f"    x{i} = x{i - 1} + {i % 7}")
    last = f"x{count - 1}"
    lines.append(f"    s3.put_object(Bucket=os.environ['BUCKET'], Key='out/' + key, Body=str({last}))")
    return "\n".join(lines) + "\n"


def py_many_ifs(count: int) -> str:
    """A handler of `count` if statements (each test reads the key), the write at the end."""
    lines = [_PY_WRITE, "def handler(event, context):", "    key = event['Records'][0]['s3']['object']['key']",
             "    n = 0"]
    for i in range(count):
        lines.append(f"    if key.endswith('.x{i}') and n > {i % 17}:")
        lines.append(f"        n = n + {i % 5}")
    lines.append("    s3.put_object(Bucket=os.environ['BUCKET'], Key='out/' + key, Body=str(n))")
    return "\n".join(lines) + "\n"


def py_bundle(target_bytes: int) -> str:
    """About target_bytes of small functions calling one another, the handler last."""
    parts: List[str] = [_PY_WRITE]
    size = 0
    i = 0
    while size < target_bytes:
        callee = f"f{i - 1}(a, c)" if i else "a + b"
        body = (f"def f{i}(a, b):\n    c = a + {i % 13}\n    d = b * {i % 5}\n    e = c + d\n"
                f"    g = {callee}\n    if e > {i % 97}:\n        return g\n    return e + g\n\n")
        parts.append(body)
        size += len(body)
        i += 1
    parts.append("def handler(event, context):\n    key = event['Records'][0]['s3']['object']['key']\n"
                 f"    n = f{i - 1}(1, 2)\n    s3.put_object(Bucket=os.environ['BUCKET'], Key='out/' + key, "
                 "Body=str(n))\n")
    return "".join(parts)


def py_long_handler(lines: int) -> str:
    """A handler module of about `lines` lines: helpers with branches, loops, literals and
    S3 calls, the kind a long hand-written handler holds. It writes the bucket named in
    OUTPUT_BUCKET (not `BUCKET`: the benchmark points it at its trigger for one function in ten)."""
    parts = ["import json\nimport os\nimport boto3\n\ns3 = boto3.client('s3')\n"
             "OUTPUT = os.environ['OUTPUT_BUCKET']\n\n"]
    count = 0
    block = 0
    while count < lines - 12:
        text = (f"def step_{block}(record, state):\n"
                f"    key = record['s3']['object']['key']\n"
                f"    size = record['s3']['object'].get('size', 0)\n"
                f"    if key.endswith('.{block % 7}') and size > {block % 97}:\n"
                f"        state['n'] = state.get('n', 0) + {block % 5}\n"
                f"    elif key.startswith('in/{block}/') or size < {block % 13}:\n"
                f"        state['m'] = [part.upper() for part in key.split('/') if part]\n"
                f"    else:\n"
                f"        state['z'] = {{'block': {block}, 'key': key, 'size': size}}\n"
                f"    for item in state.get('m', []):\n"
                f"        if item and len(item) > {block % 11}:\n"
                f"            state['last'] = f'{{item}}-{block}'\n"
                f"    if state.get('n', 0) > {block % 23}:\n"
                f"        s3.put_object(Bucket=OUTPUT, Key=f'out/{block}/' + key, Body=json.dumps(state))\n"
                f"    return state\n\n\n")
        parts.append(text)
        count += text.count("\n")
        block += 1
    calls = "\n".join(f"        state = step_{i}(record, state)" for i in range(block))
    parts.append("def handler(event, context):\n    state = {}\n    for record in event['Records']:\n"
                 f"{calls}\n    return state\n")
    return "".join(parts)


def js_long_handler(lines: int) -> str:
    """The JavaScript twin of py_long_handler (AWS SDK v3 commands)."""
    parts = ['const { S3Client, PutObjectCommand } = require("@aws-sdk/client-s3");\n'
             "const s3 = new S3Client({});\nconst OUTPUT = process.env.OUTPUT_BUCKET;\n\n"]
    count = 0
    block = 0
    while count < lines - 12:
        text = (f"async function step{block}(record, state) {{\n"
                f"  const key = record.s3.object.key;\n"
                f"  const size = record.s3.object.size || 0;\n"
                f"  if (key.endsWith('.{block % 7}') && size > {block % 97}) {{\n"
                f"    state.n = (state.n || 0) + {block % 5};\n"
                f"  }} else if (key.startsWith('in/{block}/') || size < {block % 13}) {{\n"
                f"    state.m = key.split('/').filter((part) => part).map((part) => part.toUpperCase());\n"
                f"  }} else {{\n"
                f"    state.z = {{ block: {block}, key, size }};\n"
                f"  }}\n"
                f"  for (const item of state.m || []) {{\n"
                f"    if (item && item.length > {block % 11}) {{ state.last = `${{item}}-{block}`; }}\n"
                f"  }}\n"
                f"  if ((state.n || 0) > {block % 23}) {{\n"
                f"    await s3.send(new PutObjectCommand({{ Bucket: OUTPUT, Key: `out/{block}/` + key, "
                f"Body: JSON.stringify(state) }}));\n"
                f"  }}\n"
                f"  return state;\n"
                f"}}\n\n")
        parts.append(text)
        count += text.count("\n")
        block += 1
    calls = "\n".join(f"    state = await step{i}(record, state);" for i in range(block))
    parts.append("exports.handler = async (event) => {\n  let state = {};\n"
                 f"  for (const record of event.Records) {{\n{calls}\n  }}\n  return state;\n}};\n")
    return "".join(parts)

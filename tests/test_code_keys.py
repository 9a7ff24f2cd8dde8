"""Which S3 key a write uses: key expressions built from the incoming key.

Python tests first, then JavaScript / TypeScript; what both languages must answer alike
is in tests/conformance/."""

from __future__ import annotations

import code_js_support as js
import code_python_support as py
import pytest

from loopcheck.code.facts import (
    AnyText,
    Basename,
    Concat,
    Guard,
    IncomingKey,
    Lit,
    Replace,
    Slice,
    Stem,
    Target,
)
from loopcheck.code.js_facts import analyse_js

# -- Python: keys --------------------------------------------------------------------------------------

INCOMING = IncomingKey()


@pytest.mark.parametrize(
    "expression, expected",
    [
        ('"fixed/name.txt"', Lit("fixed/name.txt")),
        ("key", INCOMING),
        ('record["s3"]["object"]["key"]', INCOMING),
        ('urllib.parse.unquote(record["s3"]["object"]["key"])', INCOMING),
        ('f"thumb/{key}"', Concat((Lit("thumb/"), INCOMING))),
        ('f"out/{key}.json"', Concat((Lit("out/"), INCOMING, Lit(".json")))),
        ('"out/" + key', Concat((Lit("out/"), INCOMING))),
        ('PREFIX + key + ".bak"', Concat((Lit("copies/"), INCOMING, Lit(".bak")))),
        ('"out/%s" % key', Concat((Lit("out/"), INCOMING))),
        ('"%s/%s" % ("out", key)', Concat((Lit("out/"), INCOMING))),
        ('"out/{}".format(key)', Concat((Lit("out/"), INCOMING))),
        ('"{0}/{name}".format("out", name=key)', Concat((Lit("out/"), INCOMING))),
        ('os.path.join("out", key)', Concat((Lit("out/"), INCOMING))),
        ('os.path.join("out/", key)', Concat((Lit("out/"), INCOMING))),
        ('posixpath.join("a", "b", key)', Concat((Lit("a/b/"), INCOMING))),
        ('"/".join(["out", key])', Concat((Lit("out/"), INCOMING))),
        ('key.replace("in/", "out/")', Replace(INCOMING, "in/", "out/")),
        ('key.replace("in/", "out/", 1)', Replace(INCOMING, "in/", "out/", first_only=True)),
        ("os.path.splitext(key)[0]", Stem(INCOMING)),
        ('key.rsplit(".", 1)[0]', Stem(INCOMING)),
        ("os.path.basename(key)", Basename(INCOMING)),
        ('key.split("/")[-1]', Basename(INCOMING)),
        ('key.rsplit("/", 1)[-1]', Basename(INCOMING)),
        (
            'f"thumbs/{os.path.splitext(os.path.basename(key))[0]}.png"',
            Concat((Lit("thumbs/"), Stem(Basename(INCOMING)), Lit(".png"))),
        ),
        ('os.path.basename("a/b/c.txt")', Lit("c.txt")),
        ('"a.b.c".rsplit(".", 1)[0]', Lit("a.b")),
        ('"in/x".replace("in/", "out/")', Lit("out/x")),
        ('str(pathlib.PurePosixPath("out") / key)', Concat((Lit("out/"), INCOMING))),
        ("key[8:]", Slice(INCOMING, 8)),
        ('"processed/" + key[len("uploads/"):]', Concat((Lit("processed/"), Slice(INCOMING, 8)))),
        ('key[:-4] + ".png"', Concat((Slice(INCOMING, 0, -4), Lit(".png")))),
        ("key[2:5]", Slice(INCOMING, 2, 5)),
        ('"abcdef"[1:-1]', Lit("bcde")),
        ("key[:]", INCOMING),
        ("key[::2]", AnyText("a slice of a string")),
        ("key[n:]", Slice(INCOMING, 7)),
        ('key[event["n"]:]', AnyText("a slice of a string")),
        ('str(pathlib.PurePosixPath(key).with_suffix(".png"))', Concat((Stem(INCOMING), Lit(".png")))),
        ('pathlib.PurePosixPath(key).with_suffix(".png").as_posix()', Concat((Stem(INCOMING), Lit(".png")))),
        ("pathlib.PurePosixPath(key).name", Basename(INCOMING)),
        ('str(pathlib.PurePosixPath("a/b.jpg").with_suffix(".png"))', Lit("a/b.png")),
    ],
)
def test_keys(expression, expected):
    source = "import posixpath, pathlib\nPREFIX = 'copies/'\nn = len(PREFIX)\n" + py.handler_body(
        f"s3.put_object(Bucket='b', Key={expression})\n"
    )
    assert py.only_write(source).key == expected


@pytest.mark.parametrize(
    "expression",
    [
        "str(uuid.uuid4())",
        'f"{uuid.uuid4()}.json"',
        "key.lower()",
        'key[len(key) - 3:]',
        "pick_key(key)",
        'f"{key:>20}"',
        "os.environ['KEY']",
    ],
)
def test_unknown_key_parts_are_any_text(expression):
    source = "import uuid\nfrom lib import pick_key\n" + py.handler_body(
        f"s3.put_object(Bucket='b', Key={expression})\n"
    )
    key = py.only_write(source).key
    parts = key.parts if isinstance(key, Concat) else (key,)
    assert any(isinstance(part, AnyText) for part in parts)
    assert key != INCOMING


def test_splitext_unpacking():
    source = py.handler_body(
        'stem, ext = os.path.splitext(key)\ns3.put_object(Bucket="b", Key=stem + "-small" + ext)\n'
    )
    assert py.only_write(source).key == Concat((Stem(INCOMING), Lit("-small"), AnyText("a file extension")))


def test_key_built_up_with_augmented_assignment():
    source = py.handler_body(
        'out = "processed/"\nout += os.path.basename(key)\ns3.put_object(Bucket="b", Key=out)\n'
    )
    assert py.only_write(source).key == Concat((Lit("processed/"), Basename(INCOMING)))


# -- JavaScript: keys ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "expression, setup, expected",
    [
        ('"static/key.txt"', "", Lit("static/key.txt")),
        ("record.s3.object.key", "", IncomingKey()),
        ("key", "", IncomingKey()),
        ('decodeURIComponent(key.replace(/\\+/g, " "))', "", IncomingKey()),
        ("k", 'const k = decodeURIComponent(record.s3.object.key.replace(/\\+/g, " "));', IncomingKey()),
        ("`out/${key}`", "", Concat((Lit("out/"), IncomingKey()))),
        ("'out/' + key + '.json'", "", Concat((Lit("out/"), IncomingKey(), Lit(".json")))),
        ("path.join('out/', key)", "", Concat((Lit("out/"), IncomingKey()))),
        (
            "path.join(prefix, '/', key)",
            "const prefix = event.p;",
            Concat((AnyText("event field p"), Lit("/"), IncomingKey())),
        ),
        ("path.posix.join('a', 'b', key)", "", Concat((Lit("a/b/"), IncomingKey()))),
        ("key.replace('in/', 'out/')", "", Replace(IncomingKey(), "in/", "out/", first_only=True)),
        ("key.replaceAll('in/', 'out/')", "", Replace(IncomingKey(), "in/", "out/", first_only=False)),
        ("key.replace(/^in\\//, 'out/')", "", AnyText("regex replace")),
        ("key.replace(/\\.[^.]+$/, '')", "", Stem(IncomingKey())),
        ("key.replace(/\\.[^/.]+$/, '.png')", "", Concat((Stem(IncomingKey()), Lit(".png")))),
        ("path.parse(key).name", "", Basename(Stem(IncomingKey()))),
        (
            "name + '.png'",
            "const { name } = path.parse(key);",
            Concat((Basename(Stem(IncomingKey())), Lit(".png"))),
        ),
        ("path.basename(key)", "", Basename(IncomingKey())),
        ("key.split('/').pop()", "", Basename(IncomingKey())),
        ("key.split('/').at(-1)", "", Basename(IncomingKey())),
        ("parts[parts.length - 1]", "const parts = key.split('/');", Basename(IncomingKey())),
        ("key.substring(key.lastIndexOf('/') + 1)", "", Basename(IncomingKey())),
        ("key.slice(0, key.lastIndexOf('.'))", "", Stem(IncomingKey())),
        ("key.split('.').slice(0, -1).join('.')", "", Stem(IncomingKey())),
        ("['thumbs', key].join('/')", "", Concat((Lit("thumbs/"), IncomingKey()))),
        ("`${PREFIX}${key}`", "", Concat((Lit("cache/"), IncomingKey()))),
        ("event.detail.object.key", "", IncomingKey()),
        (
            "`${SIZE.w}x${SIZE.h}/${key}`",
            "const SIZE = { w: 128, h: 96 };",
            Concat((Lit("128x96/"), IncomingKey())),
        ),
        ("'v' + 2 + '/' + key", "", Concat((Lit("v2/"), IncomingKey()))),
        ("1 + 2 + key", "", Concat((AnyText("arithmetic"), IncomingKey()))),
        ("`${0.5}/${key}`", "", Concat((AnyText("number"), Lit("/"), IncomingKey()))),
        ("'processed/' + key.slice(8)", "", Concat((Lit("processed/"), Slice(IncomingKey(), 8)))),
        ("key.slice(0, -4) + '.png'", "", Concat((Slice(IncomingKey(), 0, -4), Lit(".png")))),
        ("key.slice(-3)", "", Slice(IncomingKey(), -3)),
        ("key.substring(PREFIX.length)", "", Slice(IncomingKey(), 6)),
        ("key.substring(2, 5)", "", Slice(IncomingKey(), 2, 5)),
        ("key.substr(2, 3)", "", Slice(IncomingKey(), 2, 5)),
        ("key.substr(-3)", "", Slice(IncomingKey(), -3)),
        ("'out/' + PREFIX.length", "", Lit("out/6")),
        ("`t/${path.basename(key, path.extname(key))}.png`", "",
         Concat((Lit("t/"), Basename(Stem(IncomingKey())), Lit(".png")))),
    ],
)
@js.needs_tree_sitter
def test_key_forms(expression: str, setup: str, expected: object) -> None:
    prelude = 'const path = require("path");\nconst PREFIX = "cache/";'
    assert js.key_of(expression, prelude, setup) == expected


@pytest.mark.parametrize(
    "expression, prelude",
    [
        ("uuid()", 'const { v4: uuid } = require("uuid");'),
        ("`${Date.now()}/${key}`", ""),
        ("key.toLowerCase()", ""),
        ("key.split('/')[0]", ""),
        ("path.dirname(key)", 'const path = require("path");'),
        ("key.substring(-1)", ""),  # substring clamps negatives to 0: not a Python slice
        ("key.substring(5, 2)", ""),  # substring swaps its ends
        ("key.slice(n)", "const n = event.n;"),
        ("path.basename(key, '.jpg')", 'const path = require("path");'),
        ("String(Math.random())", ""),
    ],
)
@js.needs_tree_sitter
def test_keys_that_cannot_be_followed_keep_unknown_parts(expression: str, prelude: str) -> None:
    key = js.key_of(expression, prelude)
    parts = key.parts if isinstance(key, Concat) else (key,)
    assert any(isinstance(part, AnyText) for part in parts)


@js.needs_tree_sitter
def test_a_let_key_reassigned_is_unknown() -> None:
    key = js.key_of("k", setup="let k = key;\nif (event.big) { k = 'big/' + key; }")
    assert key == AnyText("k is reassigned")


@js.needs_tree_sitter
def test_typescript_sample() -> None:
    facts = analyse_js(js.SAMPLES / "typed_handler.ts", "handler", js.SAMPLES)
    assert facts.analysed and facts.language == "typescript" and facts.problems == []
    clean, labelled = facts.writes
    assert clean.target == js.EVENT
    assert clean.key == Replace(IncomingKey(), "raw/", "clean/", first_only=True)
    assert clean.guards == (
        Guard("key", 26, '!key.startsWith("raw/")', ("startswith", "raw/", False)),
        Guard("metadata", 30, "(response.Metadata as Record<string, string>)?.stage === Stage.Clean"),
    )
    assert labelled.target == Target("env", "CLEAN_BUCKET")
    assert labelled.key == Concat((AnyText("firstOf() result"), Lit("/"), IncomingKey()))


@js.needs_tree_sitter
def test_typescript_inline_with_generics_and_casts() -> None:
    code = (
        'import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";\n'
        "type Out<T> = { bucket: T };\n"
        "const client = new S3Client({}) as unknown as S3Client;\n"
        "export const handler = async <E extends { Records: any[] }>(event: E): Promise<Out<string>> => {\n"
        "  const rec = (event.Records as Array<any>)[0]!;\n"
        "  const bucket: string = <string>rec.s3.bucket.name;\n"
        "  const key = `x/${rec.s3.object.key as string}`;\n"
        "  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key }));\n"
        "  return { bucket };\n};"
    )
    write = js.one_write(code, typescript=True)
    assert (write.target, write.key) == (js.EVENT, Concat((Lit("x/"), IncomingKey())))

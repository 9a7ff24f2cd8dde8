"""What is certain of a transformed key (loopcheck.code.key_globs): each answer must match every
key the transform can give, and keep what is certain (issue 14 item 6)."""

from __future__ import annotations

import itertools
import posixpath
import random
from typing import Callable, Iterator, Optional

import pytest

from loopcheck.code import key_globs
from loopcheck.resolve.globs import STAR, Tokens, intersects

# Texts a STAR stands for in the checks below: chosen to hit the patterns' edges (empty, a
# dot, a slash, half a pattern, the pattern itself, twice).
FILLS = ("", ".", "/", "a", "g", ".jp", "pg", "jpg", ".jpg", "a.jpg", "x/", "b.c/d", "_thumb", "aa", "in/")


def glob(text: str) -> Tokens:
    """`*` in the text is STAR."""
    return tuple(STAR if char == "*" else char for char in text)


def shown(toks: Tokens) -> str:
    return "".join("*" if tok is STAR else str(tok) for tok in toks)


def keys(pattern: Tokens) -> Iterator[str]:
    """Keys matching the glob, its STARs filled from FILLS."""
    stars = sum(1 for tok in pattern if tok is STAR)
    for fill in itertools.product(FILLS, repeat=stars):
        texts = iter(fill)
        yield "".join(next(texts) if tok is STAR else str(tok) for tok in pattern)


def matches(text: str, pattern: Tokens) -> bool:
    return intersects(tuple(text), pattern)


def check_sound(source: str, transform: Callable[[Tokens], Tokens], real: Callable[[str], str]) -> Tokens:
    pattern = glob(source)
    result = transform(pattern)
    for key in keys(pattern):
        assert matches(real(key), result), (source, key, real(key), shown(result))
    return result


@pytest.mark.parametrize(
    "source, old, new, expected",
    [
        ("*.jpg", ".jpg", "_thumb.jpg", "*_thumb.jpg"),  # the last one is always replaced
        ("*.jpg", ".jpg", ".png", "*.png"),
        ("uploads/*.jpg", ".jpg", "_thumb.jpg", "uploads/*_thumb.jpg"),
        ("in/*", "in/", "out/", "out/*"),  # at the known start: certain
        ("in/in/*", "in/", "out/", "out/out/*"),
        ("a.j*", ".jpg", "_t", "a*"),  # ".j" may begin an occurrence
        ("*aa", "aa", "b", "*"),  # "aaa": an earlier occurrence overlaps the last one
        ("*.jpg", "x", "y", "*.jpg"),
        ("*", ".jpg", "_t", "*"),
        ("a.jpg", ".jpg", "_t", "a_t"),
        ("*/x.jpg", ".jpg", ".png", "*/x.png"),
        ("*.*", "a.j", "X", "*"),  # "a.jpg": the dot is inside an occurrence
    ],
)
def test_replace_all(source: str, old: str, new: str, expected: str) -> None:
    result = check_sound(source, lambda t: key_globs.replace(t, old, new, False), lambda k: k.replace(old, new))
    assert shown(result) == expected


@pytest.mark.parametrize(
    "source, old, new, expected",
    [
        # "a.jpg.jpg" -> "a_thumb.jpg.jpg": only the first occurrence changes, the key still
        # ends with .jpg either way
        ("*.jpg", ".jpg", "_thumb.jpg", "*.jpg"),
        ("*.jpg", ".jpg", ".png", "*g"),
        ("in/*", "in/", "out/", "out/*"),
        ("x/*.jpg", ".jpg", ".png", "x/*g"),
        ("a.jpg", ".jpg", "_t", "a_t"),
    ],
)
def test_replace_first(source: str, old: str, new: str, expected: str) -> None:
    result = check_sound(source, lambda t: key_globs.replace(t, old, new, True),
                         lambda k: k.replace(old, new, 1))
    assert shown(result) == expected


@pytest.mark.parametrize(
    "source, start, end, expected",
    [
        ("uploads/*", 8, None, "*"),
        ("uploads/*.jpg", 8, None, "*.jpg"),
        ("uploads/*.jpg", 3, None, "oads/*.jpg"),
        ("uploads/*", 0, 3, "upl"),
        ("*.jpg", 0, -4, "*"),
        ("in/*_thumb.jpg", 0, -4, "in/*_thumb"),
        ("ab*.jpg", 5, None, "*g"),  # "ab.jpg"[5:] is "g"
        ("*.jpg", -4, None, ".jpg"),
        ("*.jpg", -6, None, "*.jpg"),
        ("a*", -2, -1, "*"),
        ("abc", 1, None, "bc"),
    ],
)
def test_slice(source: str, start: int, end, expected: str) -> None:
    result = check_sound(source, lambda t: key_globs.slice_of(t, start, end), lambda k: k[start:end])
    assert shown(result) == expected


@pytest.mark.parametrize(
    "source, expected",
    [
        ("uploads/*.jpg", "uploads/*"),
        ("*x_thumb.jpg", "*x_thumb"),
        ("*.jpg", "*"),  # ".jpg" may be a whole name, which has no extension
        ("in/a.b*", "in/a*"),
        ("*.tar.gz", "*.tar"),
        ("*/x", "*"),
        ("a/b.c", "a/b"),
    ],
)
def test_stem(source: str, expected: str) -> None:
    result = check_sound(source, key_globs.stem_of, lambda k: posixpath.splitext(k)[0])
    assert shown(result) == expected


@pytest.mark.parametrize(
    "source, expected",
    [("uploads/*.jpg", "*.jpg"), ("*/x.jpg", "x.jpg"), ("a/b", "b"), ("in/*", "*")],
)
def test_basename(source: str, expected: str) -> None:
    result = check_sound(source, key_globs.basename_of, lambda k: k.rsplit("/", 1)[-1])
    assert shown(result) == expected


def _check_all(source: str, old: str, new: str, start: int, end: Optional[int]) -> None:
    check_sound(source, lambda t: key_globs.replace(t, old, new, False), lambda k: k.replace(old, new))
    check_sound(source, lambda t: key_globs.replace(t, old, new, True), lambda k: k.replace(old, new, 1))
    check_sound(source, lambda t: key_globs.slice_of(t, start, end), lambda k: k[start:end])
    check_sound(source, key_globs.stem_of, lambda k: posixpath.splitext(k)[0])
    check_sound(source, key_globs.basename_of, lambda k: k.rsplit("/", 1)[-1])


def test_every_answer_covers_every_key_on_a_sweep() -> None:
    """Globs and patterns drawn from a few characters that make overlaps likely."""
    chooser = random.Random(14)

    def text(most: int) -> str:
        return "".join(chooser.choice("a.j/g") for _ in range(chooser.randint(0, most)))

    for _ in range(300):
        source = text(3) + "*" + text(3) + ("*" + text(2) if chooser.random() < 0.3 else "")
        end = chooser.choice([None, chooser.randint(-5, 6)])
        _check_all(source, text(3) or "a", text(3), chooser.randint(-5, 6), end)

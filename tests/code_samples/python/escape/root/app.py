"""Sample: tries to import a module one level above its code folder."""

from .. import outside


def handler(event, context):
    outside.save("b", "k")

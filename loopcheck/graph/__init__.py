"""Stage 5, graph: the event graph (trigger edges: source -> function; effect edges: function ->
target) and the bounded cycle search over it."""

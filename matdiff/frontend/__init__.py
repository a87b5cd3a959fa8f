"""Text to typed expression tree: grammar loading, syntax, declarations and
shape inference. Imports matdiff.errors, shapes, nodes and ops."""

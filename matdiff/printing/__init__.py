"""Printers: visitors over the typed tree sharing one base (base.py), one
class per format: the input language and Unicode text (text.py), LaTeX
(latex.py), SymPy (sympy_form.py), and code — planned once for every backend
(code.py) and spelled per array library (spelling.py, numpy_spelling.py).
A function's forms come from its record. Imports nodes, shapes, ops,
structures and facts."""

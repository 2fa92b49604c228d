"""Tamper detection: a static scan of a submission's own code, outside any kernel.

An honest answer to the book's labs is NumPy, PyTorch and ``helpers`` code. The scan
looks for what such an answer never needs, the tools of a student who attacks the
grading instead of solving the exercise:

* IPython's internals: ``get_ipython`` (input transformers, events, the display hook),
  the history ``In``/``Out``, and any magic other than ``%matplotlib``/``%time``/``%timeit``
  (``!cmd`` runs a shell);
* changes to the interpreter: ``builtins``, ``sys.modules``, ``sys`` hooks, frame
  inspection (``inspect``, ``sys._getframe``), ``gc``, ``ctypes``;
* code run from strings: ``exec``, ``eval``, ``compile``, ``__import__``, ``importlib``;
* changes to attributes of imported modules (``np.allclose = ...``, ``setattr(torch, ...)``),
  the monkey-patch that makes a comparison in a test always succeed;
* objects that decide comparisons (a class defining ``__eq__``, ``__bool__``,
  ``__array_function__``, ...): a "match-anything" answer;
* other processes, threads, signals, sockets and databases (``subprocess``, ``os.system``,
  ``multiprocessing``, ``sqlite3``, ...), and files opened by absolute path or ``..``
  or written anywhere.

It can only see what is written plainly. A determined student can hide any of these
(build the names from strings, fetch them through an innocent-looking object), so a flag
asks for a look at the notebook; it proves nothing, and no flag proves honesty.

    suspicious_lines(source) -> [(line number, line, reason)]
"""

import ast

from IPython.core.inputtransformer2 import TransformerManager

SAFE_MAGICS = {
    "matplotlib",
    "time",
    "timeit",
    "pinfo",
    "pinfo2",
    "precision",
    "who",
    "whos",
}
FORBIDDEN_MODULES = {
    "builtins": "changes Python's builtins",
    "importlib": "imports modules by name",
    "ctypes": "calls C code directly",
    "gc": "reaches objects through the garbage collector",
    "inspect": "inspects the running code's frames",
    "subprocess": "starts other processes",
    "multiprocessing": "starts other processes",
    "threading": "starts threads",
    "signal": "handles signals",
    "socket": "opens network connections",
    "pty": "opens a terminal",
    "sqlite3": "opens a database",
    "atexit": "runs code when the kernel exits",
    "shutil": "copies or deletes files",
    "tempfile": "creates files",
    "pickle": "loads arbitrary objects",
    "IPython": "uses IPython's internals",
    "ipykernel": "uses the kernel's internals",
    "traceback": "reads the running code's frames",
    "dis": "reads compiled code",
    "code": "runs code from strings",
    "runpy": "runs code from files",
}
FORBIDDEN_NAMES = {
    "get_ipython": "uses IPython's internals",
    "exec": "runs code from a string",
    "eval": "runs code from a string",
    "compile": "compiles code from a string",
    "__import__": "imports modules by name",
    "__builtins__": "changes Python's builtins",
    "globals": "edits the notebook's namespace",
    "In": "reads the cells' sources (IPython history)",
    "Out": "reads IPython's output history",
    "_ih": "reads the cells' sources (IPython history)",
    "_oh": "reads IPython's output history",
    "_i": "reads the cells' sources (IPython history)",
    "_ii": "reads the cells' sources (IPython history)",
    "_iii": "reads the cells' sources (IPython history)",
    "breakpoint": "starts a debugger",
    "open": None,  # checked with its arguments below
}
FORBIDDEN_ATTRIBUTES = {
    "modules": "sys",
    "_getframe": "sys",
    "settrace": "sys",
    "setprofile": "sys",
    "displayhook": "sys",
    "excepthook": "sys",
    "meta_path": "sys",
    "path_hooks": "sys",
    "f_back": None,
    "f_globals": None,
    "f_locals": None,
    "gi_frame": None,
    "tb_frame": None,
    "__globals__": None,
    "__code__": None,
    "__subclasses__": None,
    "__builtins__": None,
    "system": "os",
    "popen": "os",
    "fork": "os",
    "forkpty": "os",
    "kill": "os",
    "killpg": "os",
    "execv": "os",
    "execve": "os",
    "execl": "os",
    "execlp": "os",
    "execvp": "os",
    "spawnv": "os",
    "spawnl": "os",
    "posix_spawn": "os",
    "remove": "os",
    "unlink": "os",
    "rename": "os",
    "replace": "os",
    "rmdir": "os",
    "removedirs": "os",
    "chmod": "os",
    "symlink": "os",
    "link": "os",
    "setsid": "os",
    "_exit": "os",
    "write_text": None,
    "write_bytes": None,
}
COMPARISON_DUNDERS = {
    "__eq__",
    "__ne__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__bool__",
    "__array__",
    "__array_ufunc__",
    "__array_function__",
    "__torch_function__",
    "__getattr__",
    "__getattribute__",
    "__instancecheck__",
    "__subclasscheck__",
}


def _python(source):
    """The cell as Python, magics turned into get_ipython() calls: (code, {line: magic name})."""
    code = TransformerManager().transform_cell(source)
    magics = {}
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Call)
            and getattr(node.func.value.func, "id", None) == "get_ipython"
        ):
            kind = node.func.attr
            name = (
                node.args[0].value
                if node.args and isinstance(node.args[0], ast.Constant)
                else None
            )
            magics[id(node.func.value.func)] = (kind, name)
    return tree, magics


def _root_name(node):
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _imported_names(tree):
    """{name bound by an import: module} in one cell."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[(alias.asname or alias.name).split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _open_reason(node):
    """Why a call to open(...) is suspicious, or None."""
    mode = (
        node.args[1]
        if len(node.args) > 1
        else next((k.value for k in node.keywords if k.arg == "mode"), None)
    )
    path = node.args[0] if node.args else None
    if mode is not None and not (
        isinstance(mode, ast.Constant)
        and isinstance(mode.value, str)
        and not set(mode.value) & set("wax+")
    ):
        return "writes a file"
    if isinstance(path, ast.Constant) and isinstance(path.value, str):
        if path.value.startswith(("/", "~")) or ".." in path.value:
            return "opens a file outside the working directory"
        return None
    return "opens a file whose name is computed"


def scan_cell(source, modules):
    """[(line number, reason)] for one cell; ``modules``: names bound to modules by imports."""
    tree, magics = _python(source)
    found = []

    def flag(node, reason):
        found.append((getattr(node, "lineno", 1), reason))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                top = (
                    node.module if isinstance(node, ast.ImportFrom) else alias.name
                ) or ""
                top = top.split(".")[0]
                if top in FORBIDDEN_MODULES:
                    flag(node, f"imports {top}: {FORBIDDEN_MODULES[top]}")
                elif (
                    isinstance(node, ast.ImportFrom)
                    and alias.name in FORBIDDEN_ATTRIBUTES | FORBIDDEN_NAMES
                ):
                    flag(node, f"imports {alias.name} from {top}")
        elif (
            isinstance(node, ast.Name)
            and node.id in FORBIDDEN_NAMES
            and node.id != "open"
        ):
            if id(node) in magics:
                kind, name = magics[id(node)]
                if kind in ("run_line_magic", "run_cell_magic") and name in SAFE_MAGICS:
                    continue
                what = {
                    "system": "runs a shell command (!)",
                    "getoutput": "runs a shell command (!!)",
                }
                flag(node, what.get(kind, f"runs the IPython magic %{name}"))
            else:
                flag(node, f"{node.id}: {FORBIDDEN_NAMES[node.id]}")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            owner = FORBIDDEN_ATTRIBUTES[node.attr]
            root = _root_name(node.value)
            if (
                owner is None
                or modules.get(root, "").split(".")[0] == owner
                or root == owner
            ):
                flag(node, f"uses {owner + '.' if owner else ''}{node.attr}")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
            reason = _open_reason(node)
            if reason:
                flag(node, reason)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
            "setattr",
            "delattr",
        ):
            if node.args and _root_name(node.args[0]) in modules:
                flag(
                    node,
                    f"changes an attribute of the module {_root_name(node.args[0])}",
                )
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = (
                node.targets
                if isinstance(node, (ast.Assign, ast.Delete))
                else [node.target]
            )
            for target in targets:
                parts = (
                    target.elts
                    if isinstance(target, (ast.Tuple, ast.List))
                    else [target]
                )
                for part in parts:
                    part = part.value if isinstance(part, ast.Starred) else part
                    if isinstance(part, ast.Attribute) and _root_name(part) in modules:
                        flag(
                            node,
                            f"changes {ast.unparse(part)}, an attribute of an imported module",
                        )
        elif (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name in COMPARISON_DUNDERS
        ):
            flag(
                node,
                f"defines {node.name}: an object that decides comparisons for itself",
            )
    return sorted(set(found))


def suspicious_lines(cells):
    """[(cell index, line number, line, reason)] for the given code cells.

    cells: [(cell index, source)], the student's own code (answer cells and added cells).
    A cell that does not parse is skipped: grading flags it as a syntax error.
    """
    modules = {}
    parsed = []
    for index, source in cells:
        try:
            tree, _ = _python(source)
        except (SyntaxError, ValueError):
            continue
        modules.update(_imported_names(tree))
        parsed.append((index, source))
    found = []
    for index, source in parsed:
        lines = source.splitlines()
        for number, reason in scan_cell(source, modules):
            line = lines[number - 1].strip() if number <= len(lines) else ""
            found.append((index, number, line, reason))
    return found


def students_code(nb, lab_cells):
    """[(index, source)] of the code cells a student wrote: answers, and cells the lab does not lock.

    lab_cells: {grade_id: nbgrader metadata} of the lab's own cells.
    """
    own = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = (
            cell.metadata.get("nbgrader", {})
            if isinstance(cell.metadata.get("nbgrader"), dict)
            else {}
        )
        grade_id = meta.get("grade_id")
        if (
            grade_id in lab_cells
            and lab_cells[grade_id].get("locked")
            and not lab_cells[grade_id].get("solution")
        ):
            continue  # a locked cell of the lab: replaced by the original before grading
        own.append((index, cell.source))
    return own

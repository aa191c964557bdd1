"""Read the layer list of generated Keras model files without TensorFlow: for each file,
the calls that build_model() makes, in order, as JSON. A layer applied to a tensor,
`layers.Dense(16, name="d")(x)`, is reported as its constructor call; nested calls (a
GRU inside Bidirectional) are reported inside their argument lists."""
import ast
import json
import sys


def dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    raise ValueError(f"unexpected callee {ast.dump(node)}")


def value(node):
    if isinstance(node, ast.Call):
        return call(node)
    if isinstance(node, ast.Name):
        return {"name": node.id}
    return ast.literal_eval(node)


def call(node):
    return {
        "call": dotted(node.func),
        "args": [value(arg) for arg in node.args],
        "kwargs": {keyword.arg: value(keyword.value) for keyword in node.keywords},
    }


def layers_of(path):
    with open(path, encoding="utf-8") as file:
        tree = ast.parse(file.read(), filename=path)
    (build,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "build_model"]
    found = []
    for statement in build.body:
        if isinstance(statement, (ast.Assign, ast.Return)) and isinstance(statement.value, ast.Call):
            node = statement.value
            # layers.X(...)(x): the constructor is the callee of the outer call.
            found.append(call(node.func if isinstance(node.func, ast.Call) else node))
    classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    return {"calls": found, "classes": classes, "functions": functions}


print(json.dumps({path: layers_of(path) for path in sys.argv[1:]}))

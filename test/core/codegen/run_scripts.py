"""Run generated Python scripts one after another in this one interpreter (importing torch
takes seconds): each job runs a script as __main__ with its folder first on sys.path, its
own command-line arguments, and its standard output written to a file. The modules a
previous job imported from its folder (model, preprocessing) are forgotten first."""
import contextlib
import json
import runpy
import sys

for job in json.loads(sys.argv[1]):
    folder = job["folder"]
    for name in ("model", "preprocessing"):
        sys.modules.pop(name, None)
    sys.path.insert(0, folder)
    sys.argv = [job["script"], *job["args"]]
    try:
        with open(job["stdout"], "w", encoding="utf-8") as out, contextlib.redirect_stdout(out):
            runpy.run_path(f"{folder}/{job['script']}", run_name="__main__")
    finally:
        sys.path.remove(folder)

"""``nnexp serve``: a live, read-only dashboard of a runs folder in the browser.

The server reads run folders through the same code as ``nnexp runs``, ``show`` and
``compare`` (:mod:`nnexp.runs.reader`, :mod:`nnexp.analysis`, :mod:`nnexp.sweep.folder`)
and never writes into the runs folder:

- ``paths.py``: a URL path to a file or folder inside the runs folder, or nothing
  (``..``, absolute paths and symlinks that lead outside are refused);
- ``catalog.py``: the run folders, each read once per change of its files
  (modification time and size), a damaged one kept as an error;
- ``tables.py``: the runs table (settings that differ, final and best metrics);
- ``series.py``: curves as JSON for the charts (one run; groups with seed bands);
- ``views.py``: what each page shows (a run, a comparison, a sweep);
- ``figures.py``: the registered figures (:mod:`nnexp.plots.registry`) as PNG, and
  the cache of answers and figures, keyed by the versions of the files they read;
- ``app.py``: the Starlette application (pages, JSON endpoints, files, the token);
- ``server.py``: the host and token rules and uvicorn.

The pages (``static/``) are HTML shells that poll the JSON endpoints every two seconds
and draw with Plotly's own bundled ``plotly.min.js`` (no network needed).
"""

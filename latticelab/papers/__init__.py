"""Paper apps: one module per reproduced paper (a package once it grows past ~300 lines).

Each module holds a frozen ``Config(PresetConfig)`` with its smoke / laptop / paper rows and a
one-line reason per field (``latticelab.presets``), stage functions that take plain data and
return plain dataclasses, and ``reproduce(config) -> Results``, which ``latticelab reproduce
<name>`` runs headless and the paper's notebook calls stage by stage. This layer sits above
``nn`` and ``data`` and below ``widgets``; it never imports ipywidgets or bokeh.
"""

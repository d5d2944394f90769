"""The spreadsheet import of ex-participant records, a feature of its own.

The pipeline, one module per stage: `reading` (the file: checks, encodings, rows), `columns`
(the header row and the field each column means), `rows` (each row checked and turned into
record values), `matching` with `candidates` and `namesakes` (which person a row is), `courses`,
and `writing` (the batch written with its history); `services.run_import` drives them.
Around it: `report` (what an import did, in words), `aliases` and `models` (what an office's
files call its regions and sectors), `uploads` (files kept between dry run and commit),
`jobs` (the work in the background), `forms`, `policy`, `views` (blueprint "imports",
under /records/import) and `cli` (`flask import-alumni`).
"""

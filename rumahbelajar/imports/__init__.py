"""One pipeline for the admin imports (employees, assessment results, e-books).

    reader    CSV/XLSX files by content: encodings, delimiters, headings, the XLSX size checks
    models    the abstract job rows and their states
    pipeline  the job state machine: queue after commit, one worker entry point with a lock and
              an attempt counter, validate → preview → apply all or nothing, resume and purge
    tasks     the one task that runs a step and the one beat sweep
    admin     the upload, job, progress, apply and error-report pages

A domain keeps its columns, its row checks and its writes; everything else lives here, once
(the shape of pretix's base/services/modelimport.py).
"""

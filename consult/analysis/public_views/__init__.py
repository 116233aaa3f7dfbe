"""The "public views" section of the strategic assessment: figures, build, cache, formats.

* ``figures``   the arithmetic: suppression, shares with their 95% intervals, tests of
                difference, the sentences of a figure (no Flask, no database)
* ``parts``     the words (audiences, definitions) and the parts of the report
* ``report``    :class:`~.report.PublicViews`, the report as data, with the sentences every
                format shares; renderings kept with it (``cached_artifact``)
* ``queries``   the read-only queries behind it, and the fingerprint it is cached under
* ``questions`` what the surveys asked: their wording, group labels, closed questions
* ``build``     :func:`~.build.build_report` (stored data only; the caller passes the
                engine's ``match``)
* ``cache``     built once per change, by a job; what a view shows (never waiting on a job)
* ``charts``    the bar charts (matplotlib), their titles and alternative text
* ``formats``   CSV and JSON
* ``word``      the Word document (``word_xml``: its OOXML details)

Every format renders the same ``PublicViews`` and none reads the database.
"""

"""The survey editor: staff change next year's survey in the browser, without a developer.

A draft (``models.SurveyDraft``) is edited page by page and question by question, checked by
the same schema as the YAML files (``checking``), previewed exactly as a respondent walks it
(``preview``), and published through ``consult.survey_store.publish`` as a new version.
``codes`` keeps answer codes stable across versions; ``yaml_io`` exports and imports YAML.
"""

"""The admin side: surveys and versions with response counts, response exports (CSV and
JSON), codebooks, and the import of responses collected elsewhere."""

"""Starting an analysis run, the engine adapter, storing its results, code frames."""

"""The experiment framework: what an experiment is (`experiment`), its typed settings
(`settings`), how claims are stated (`claims`), queries over result rows (`table`) and
figures (`plotting`). It knows nothing of any particular experiment."""

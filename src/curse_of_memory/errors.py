"""The one exception the command line turns into a one-line message and exit status 2."""


class ConfigError(ValueError):
    """Bad user input: the message names the field, the value and what is allowed."""

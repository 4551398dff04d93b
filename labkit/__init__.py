"""labkit: the small library the serverless-in-production notebooks, labs and grader stand on."""

__version__ = "0.1.0"

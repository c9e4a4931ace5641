"""cassette-lint: a linter and validator for HTTP cassettes (go-vcr, vcrpy, Ruby VCR)."""

__version__ = "0.1.0"

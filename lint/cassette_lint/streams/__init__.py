"""Streamed bodies, in one place: the SSE parser (:mod:`.sse`), the AWS binary event stream of Bedrock
(:mod:`.eventstream`) and the dialect of a streamed or JSON body (:mod:`.dialects`: OpenAI chat
completions and Responses, Anthropic, Gemini ...).

The model (:mod:`cassette_lint.model`) parses bodies with these; the stream, termination and
tool-call rules read the parsed events through them.
"""

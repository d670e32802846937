"""The core: what every area uses, knowing no feature.

Configuration, extensions, the database and its transactions, the one clock,
the error tree and its handlers, languages, templating, security headers, rate
limits and log masking. Nothing here imports an area (import-linter checks it).
"""

"""The HTTP API of ``storelens serve``: live and historical store analytics, behind logins.

Modules: :mod:`~storelens.api.app` builds the FastAPI application; :mod:`~storelens.api.auth`
checks every request; :mod:`~storelens.api.accounts` keeps users, tokens and sessions in the
store database; ``routes/`` holds the endpoints. Import those directly: this package imports
nothing, so ``storelens user ...`` does not load the web framework.
"""

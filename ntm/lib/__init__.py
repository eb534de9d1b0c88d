"""Helpers shared by every app: text folding, middleware, template context."""

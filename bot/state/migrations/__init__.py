"""Alembic migrations of the state database (run with `coachbot db upgrade`)."""

"""Alembic's entry point for the collaborative store: migrate on the connection the store passes in.

`CollabStore` opens the transaction (and takes SQLite's write lock or PostgreSQL's advisory lock)
before Alembic runs, so a migration and its version stamp commit together or not at all.
"""

from alembic import context

from lnob_helpers.collab.store_schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

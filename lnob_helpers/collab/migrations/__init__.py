"""Alembic migrations of the collaborative store, run by `CollabStore.create` and `.open`; no alembic.ini.

A change to `store_schema` needs a new revision here, or the no-drift test fails. Write it with
alembic's autogenerate against a store at the previous revision, then read and tidy it:

    from alembic import command
    from lnob_helpers.collab.store import CollabStore, _alembic
    store = CollabStore.create("sqlite:////tmp/old.sqlite")
    with store._engine.begin() as conn:
        command.revision(_alembic(conn), "what changed", autogenerate=True, rev_id="0002")
"""

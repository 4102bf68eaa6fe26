"""Alembic environment: runs on the connection the program hands over (config.attributes)."""
from alembic import context

from models.base import Base
import models.entities  # noqa: F401  (registers the tables)
import models.review  # noqa: F401  (registers the review tables)
import models.sync  # noqa: F401  (registers the exchange state table)

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as conn:
            _migrate(conn)
        return
    _migrate(connection)


def _migrate(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()

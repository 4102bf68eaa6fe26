"""The data layer: typed ORM records, the pipeline's rules, unit of work, migrations.

No Qt here: everything below desktop/ runs and is tested without a window.
"""

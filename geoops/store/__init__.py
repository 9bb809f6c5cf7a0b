"""The system of record: PostGIS tables, store functions, migrations, the embedded cluster.

Store functions take the session as a keyword argument and never commit.
"""

"""The workspace store: the only package that imports duckdb."""

from livecart.store.migrations import SCHEMA_VERSION
from livecart.store.staging import staging_folder
from livecart.store.workspace import DB_FILE, Workspace, init, open

__all__ = ["DB_FILE", "SCHEMA_VERSION", "Workspace", "init", "open", "staging_folder"]

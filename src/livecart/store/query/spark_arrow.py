"""Spark reading Parquet at a URL its own Hadoop file systems cannot open (``s3://`` on a
Spark without hadoop-aws, ``gs://`` without Google's connector ...), through a Python data
source (PySpark 4's ``pyspark.sql.datasource``) that reads with Arrow's file systems.

The driver lists the table once per version: every file of a Parquet folder (Hive-style
``key=value/`` folders give their values as columns), the row groups of a single Parquet file,
or a Delta table's current files (delta-rs). Each file (or row group) is one Spark partition,
read in the executors with pyarrow and handed to Spark as Arrow record batches, so the work
spreads over the cluster as Spark's own Parquet reader would spread it (without its column
pruning: a partition reads every column of its file).

Spark's own reader stays the first choice: a cluster with hadoop-aws reads ``s3a://`` itself,
which is faster (column pruning, filter push-down); this source only takes over where Spark
says it has no file system for the scheme.

The data source's classes travel to the workers by value (cloudpickle), so the executors need
pyarrow and pyspark but not livecart, and a worker does not import livecart to plan a read.

The executors read with the object-store settings (``AWS_*`` variables) of the process that
runs livecart, carried in the data source's class rather than in its options, which Spark may
print in query plans; an executor's own environment fills whatever the driver did not set.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from pyspark import cloudpickle
from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition
from pyspark.sql.pandas.types import from_arrow_schema

FORWARDED_PREFIX = "AWS_"  # what Arrow's S3 file system reads: keys, region, endpoint
_REGISTERED = itertools.count()


@dataclass
class FilePart(InputPartition):
    """One file (``row_group`` None) or one row group of a file, and the partition columns'
    values its folder names give."""

    uri: str
    row_group: int | None
    constants: dict[str, object]


def plan_parts(dataset: ds.FileSystemDataset, uri_of) -> list[FilePart]:
    """A partition per file of ``dataset``, or per row group when it is a single file (one
    footer read): ``uri_of`` maps a fragment's path to the URL an executor opens."""
    fragments = list(dataset.get_fragments())
    if len(fragments) == 1:
        fragment = fragments[0]
        keys = ds.get_partition_keys(fragment.partition_expression)
        groups = fragment.metadata.num_row_groups or 1
        uri = uri_of(fragment.path)
        return [FilePart(uri, g, keys) for g in range(groups)]
    return [
        FilePart(uri_of(f.path), None, ds.get_partition_keys(f.partition_expression))
        for f in fragments
    ]


def arrow_frame(session, view: str, schema: pa.Schema, parts: list[FilePart]):
    """A Spark DataFrame over ``parts`` read with Arrow, registered as the temp view ``view``.
    ``schema`` is the table's (partition columns included)."""
    env = {k: v for k, v in os.environ.items() if k.startswith(FORWARDED_PREFIX)}
    name = f"livecart_arrow_{next(_REGISTERED)}"
    # a class per table version: its plan and settings travel pickled with it to the workers
    source = type(
        "LakeArrowSource",
        (ArrowSource,),
        {
            "source_name": name,
            "parts": parts,
            "arrow_schema": schema.serialize().to_pybytes(),
            "env": env,
        },
    )
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    session.dataSource.register(source)
    spark_schema = from_arrow_schema(schema, prefer_timestamp_ntz=True)
    frame = session.read.format(name).schema(spark_schema).load()
    frame.createOrReplaceTempView(view)
    return frame


class ArrowSource(DataSource):
    source_name = "livecart_arrow"
    parts: list[FilePart] = []
    arrow_schema: bytes = b""
    env: dict[str, str] = {}

    @classmethod
    def name(cls) -> str:
        return cls.source_name

    def schema(self):  # always given by arrow_frame: listing again here would cost a scan
        return from_arrow_schema(self._schema(), prefer_timestamp_ntz=True)

    def reader(self, schema) -> DataSourceReader:
        return ArrowReader(self.parts, self._schema(), self.env)

    def _schema(self) -> pa.Schema:
        return pa.ipc.read_schema(pa.py_buffer(self.arrow_schema))


class ArrowReader(DataSourceReader):
    def __init__(self, parts: list[FilePart], schema: pa.Schema, env: dict[str, str]) -> None:
        self.parts, self.arrow_schema, self.env = parts, schema, env

    def partitions(self) -> list[FilePart]:
        return self.parts or [FilePart("", None, {})]  # an empty table: one empty partition

    def read(self, partition: FilePart) -> Iterator[pa.RecordBatch]:
        if not partition.uri:
            return
        os.environ.update(self.env)  # before Arrow's first S3 call in this worker
        fs, path = pafs.FileSystem.from_uri(partition.uri)
        schema = self.arrow_schema
        stored = [n for n in schema.names if n not in partition.constants]
        with fs.open_input_file(path) as f:
            file = pq.ParquetFile(f)
            groups = None if partition.row_group is None else [partition.row_group]
            for batch in file.iter_batches(row_groups=groups, columns=stored):
                yield _with_constants(batch, partition.constants, schema)


def _with_constants(
    batch: pa.RecordBatch, constants: dict[str, object], schema: pa.Schema
) -> pa.RecordBatch:
    """``batch`` with the partition columns added, in ``schema``'s order and types."""
    columns = []
    for field in schema:
        if field.name in constants:
            value = constants[field.name]
            columns.append(pa.array([value] * batch.num_rows, type=field.type))
        else:
            columns.append(batch.column(field.name).cast(field.type))
    return pa.RecordBatch.from_arrays(columns, schema=schema)

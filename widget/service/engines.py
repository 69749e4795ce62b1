"""Running one task per block of accounts on Dask or Spark, the tasks swapping vectors.

Both engines get the same program (service.distributed.score_block): one long task per block,
all running at once, which meet at ``comm.exchange(payload)``: every task passes a payload
and gets all of them back, in block order (an all-gather).

- Dask: the tasks are ordinary futures; they meet at an actor on one worker whose coroutine
  answers once every block has called in for that round.
- Spark: the tasks are one barrier stage (every task starts together, or none does); they meet
  at ``BarrierTaskContext.allGather``, which carries strings through the driver.

Without a cluster URL each engine starts a local cluster of ``workers`` processes on this
machine. Workers import this package: on a real cluster install it there too
(``pip install influence-widget[dask]`` or ``[spark]``), with access to the store's URL.
"""

from __future__ import annotations

import asyncio
import base64
import os
import pickle
import sys
from contextlib import contextmanager
from pathlib import Path

# The directory that holds this ``widget`` package: local workers import it from there.
PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent.parent)


@contextmanager
def open_engine(name: str, cluster: str | None, workers: int):
    """A runner (``.workers``, ``.run(fn, blocks)``) on engine ``name``."""
    if name == "dask":
        with _dask(cluster, workers) as runner:
            yield runner
    elif name == "spark":
        with _spark(cluster, workers) as runner:
            yield runner
    else:
        raise ValueError(f"unknown engine {name!r}; use dask or spark")


def _worker_env() -> dict[str, str]:
    path = os.environ.get("PYTHONPATH", "")
    return {"PYTHONPATH": os.pathsep.join(p for p in (PACKAGE_ROOT, path) if p)}


# -- Dask -----------------------------------------------------------------------------------


class Rendezvous:
    """A Dask actor where ``size`` tasks meet each round and each gets every payload."""

    def __init__(self, size: int):
        self.size = size
        self.rounds: dict[int, dict] = {}

    async def exchange(self, round_no: int, rank: int, payload):
        r = self.rounds.setdefault(
            round_no, {"items": [None] * self.size, "count": 0, "done": asyncio.Event(), "taken": 0}
        )
        r["items"][rank] = payload
        r["count"] += 1
        if r["count"] == self.size:
            r["done"].set()
        await r["done"].wait()
        r["taken"] += 1
        if r["taken"] == self.size:
            del self.rounds[round_no]
        return r["items"]


class DaskComm:
    def __init__(self, rendezvous, rank: int):
        self.rendezvous, self.rank, self.round = rendezvous, rank, 0

    def exchange(self, payload) -> list:
        self.round += 1
        return self.rendezvous.exchange(self.round, self.rank, payload).result()


def _dask_task(fn, block, rendezvous):
    return fn(block, DaskComm(rendezvous, block.rank))


class DaskRunner:
    whole_graph = False  # an exchange costs milliseconds: PageRank swaps every step

    def __init__(self, client, workers: int):
        self.client = client
        self.workers = workers

    def run(self, fn, blocks: list) -> list:
        rendezvous = self.client.submit(Rendezvous, len(blocks), actor=True).result()
        futures = [self.client.submit(_dask_task, fn, b, rendezvous, pure=False) for b in blocks]
        return self.client.gather(futures)


@contextmanager
def _dask(cluster: str | None, workers: int):
    from dask.distributed import Client, LocalCluster

    local = None
    if cluster is None:
        local = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",  # any free port: 8787 may be taken (None means 8787)
            env=_worker_env(),
        )
    client = Client(cluster or local)
    try:
        # One task per worker thread: they all have to run at once to meet.
        slots = sum(client.nthreads().values())
        yield DaskRunner(client, min(workers, slots) if cluster else workers)
    finally:
        client.close()
        if local is not None:
            local.close()


# -- Spark ----------------------------------------------------------------------------------


class SparkComm:
    def __init__(self, context, rank: int):
        self.context, self.rank = context, rank

    def exchange(self, payload) -> list:
        sent = base64.b64encode(pickle.dumps(payload, protocol=5)).decode("ascii")
        return [pickle.loads(base64.b64decode(m)) for m in self.context.allGather(sent)]


def _spark_partition(fn, items):
    from pyspark import BarrierTaskContext

    context = BarrierTaskContext.get()
    for block in items:
        assert block.rank == context.partitionId()
        yield fn(block, SparkComm(context, block.rank))


class SparkRunner:
    # An allGather costs most of a second: PageRank gathers the day's graph once instead of
    # swapping each of its steps (docs/scale.md has the figures).
    whole_graph = True

    def __init__(self, session, workers: int):
        self.session = session
        self.workers = workers

    def run(self, fn, blocks: list) -> list:
        rdd = self.session.sparkContext.parallelize(blocks, len(blocks))
        return rdd.barrier().mapPartitions(lambda items: _spark_partition(fn, items)).collect()


@contextmanager
def _spark(cluster: str | None, workers: int):
    from pyspark.sql import SparkSession

    env = _worker_env()
    if cluster is None:  # local workers: this interpreter, with this one's packages
        env["PYSPARK_PYTHON"] = sys.executable
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the session reads them, and local workers inherit them
    try:
        session = (
            SparkSession.builder.appName("influence-widget-rescore")
            .master(cluster or f"local[{workers}]")
            .config("spark.ui.enabled", "false")
            .config("spark.executorEnv.PYTHONPATH", env["PYTHONPATH"])
            .config("spark.rpc.message.maxSize", "1024")
            # Every block's rows come back through the driver's JVM (about 1.2 KB an
            # account with its drivers): the 1 GB default heap fails at 200,000.
            .config("spark.driver.memory", "4g")
            .config("spark.driver.maxResultSize", "0")
            .getOrCreate()
        )
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    try:
        slots = session.sparkContext.defaultParallelism
        yield SparkRunner(session, min(workers, slots))
    finally:
        session.stop()

"""The background index writer on its own: it must never hold the index's lock for a process that is gone."""

import multiprocessing
import os
import signal
import time

from whoosh import index as whoosh_index

from assetmap.search.background import write_index
from assetmap.search.schema import INDEX_NAME, make_schema


def test_a_writer_whose_ingest_was_killed_lets_go_of_the_index(tmp_path):
    whoosh_index.create_in(str(tmp_path), make_schema(), indexname=INDEX_NAME)
    ingest = os.fork()
    if ingest == 0:  # the ingest: start a writer, then die without a word (kill -9, out of memory)
        try:
            context = multiprocessing.get_context("fork")
            context.Process(target=write_index, args=(str(tmp_path), context.Queue(), context.Queue())).start()
            time.sleep(0.5)
        finally:
            os.kill(os.getpid(), signal.SIGKILL)
    os.waitpid(ingest, 0)
    ix = whoosh_index.open_dir(str(tmp_path), indexname=INDEX_NAME)
    writer = ix.writer(timeout=10)  # raises LockError if the orphaned writer still held it
    writer.cancel()
    assert ix.doc_count_all() == 0

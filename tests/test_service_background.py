"""service/background.py: one pass at a time off the request thread, a periodic worker, and
a close that waits for the pass under way and lets no new one start."""

import threading
import time

from widget.service.background import BackgroundPass


class Job:
    """A pass that records when it ran and, while ``gate`` is clear, waits for it."""

    def __init__(self, fail: bool = False):
        self.started = threading.Event()
        self.gate = threading.Event()
        self.gate.set()
        self.runs = 0
        self.finished = 0
        self.fail = fail

    def __call__(self):
        self.runs += 1
        self.started.set()
        self.gate.wait(5)
        self.finished += 1
        if self.fail:
            raise RuntimeError("the pass broke")


def wait_for(predicate, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return predicate()


def under_way():
    """A BackgroundPass whose kicked pass has started and waits for ``job.gate``."""
    job = Job()
    job.gate.clear()
    passes = BackgroundPass("job", job)
    passes.kick()
    assert job.started.wait(5)
    return job, passes


def test_a_kick_runs_one_pass_and_kicks_meanwhile_are_dropped():
    job, passes = under_way()
    passes.kick()  # one is under way: nothing more
    job.gate.set()
    assert wait_for(lambda: job.finished == 1)
    passes.kick()  # the first one is over: a second pass
    assert wait_for(lambda: job.finished == 2)
    assert job.runs == 2
    passes.close()


def test_close_waits_for_the_pass_under_way_and_then_none_starts():
    job, passes = under_way()
    threading.Timer(0.2, job.gate.set).start()
    passes.close()
    assert job.finished == 1  # close returned only once the pass was over
    passes.kick()
    passes.start_worker()
    time.sleep(0.1)
    assert job.runs == 1
    passes.close()  # idempotent, and does not wait again


def test_close_gives_up_waiting_after_its_timeout():
    job, passes = under_way()
    t0 = time.monotonic()
    passes.close(timeout=0.2)
    assert 0.15 <= time.monotonic() - t0 < 2 and job.finished == 0
    job.gate.set()
    assert wait_for(lambda: job.finished == 1)
    passes.kick()
    time.sleep(0.1)
    assert job.runs == 1  # closed: the late pass ending lets no new one in


def test_the_worker_runs_a_pass_every_interval_until_closed():
    job = Job()
    passes = BackgroundPass("job", job, interval=0.05)
    passes.start_worker()
    passes.start_worker()  # once
    assert wait_for(lambda: job.finished >= 3)
    passes.close()
    done = job.finished
    time.sleep(0.2)
    assert job.finished == done
    assert [t.name for t in threading.enumerate()].count("job-worker") == 0


def test_no_worker_without_an_interval():
    job = Job()
    passes = BackgroundPass("job", job)
    passes.start_worker()
    time.sleep(0.1)
    assert job.runs == 0
    passes.close()


def test_a_failing_pass_is_logged_and_the_next_one_runs(caplog):
    job = Job(fail=True)
    passes = BackgroundPass("job", job)
    passes.kick()
    assert wait_for(lambda: "job pass failed" in caplog.text)
    passes.kick()
    assert wait_for(lambda: job.runs == 2)
    passes.close()

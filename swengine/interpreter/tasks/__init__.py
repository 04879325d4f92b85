"""The 1.0 task tree: one executor per task kind, looked up by ``kind`` (see ``run.TaskRun``)."""

from __future__ import annotations

from swengine.interpreter.tasks.call import execute_call
from swengine.interpreter.tasks.do import execute_do
from swengine.interpreter.tasks.emit import execute_emit
from swengine.interpreter.tasks.for_each import execute_for
from swengine.interpreter.tasks.fork import execute_fork
from swengine.interpreter.tasks.listen import execute_listen
from swengine.interpreter.tasks.raise_error import execute_raise
from swengine.interpreter.tasks.run import Executor
from swengine.interpreter.tasks.run_workflow import execute_run
from swengine.interpreter.tasks.set import execute_set
from swengine.interpreter.tasks.switch import execute_switch
from swengine.interpreter.tasks.try_catch import execute_try
from swengine.interpreter.tasks.wait import execute_wait

TASK_EXECUTORS: dict[str, Executor] = {
    "set": execute_set,
    "do": execute_do,
    "switch": execute_switch,
    "wait": execute_wait,
    "raise": execute_raise,
    "try": execute_try,
    "for": execute_for,
    "fork": execute_fork,
    "call": execute_call,
    "emit": execute_emit,
    "run": execute_run,
    "listen": execute_listen,
}

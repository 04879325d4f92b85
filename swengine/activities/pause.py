"""Engine local activity ``swengine.pause``: it does nothing, and that is its use.

A 1.0 task loop that never waits on Temporal (``set``, ``switch``, ``for`` over data) awaits it every few hundred
tasks: the workflow's activation ends there, so the SDK's deadlock detector (2 s an activation) never fires,
and the next activation follows at once, in the worker. A timer, even of 1 ms, waited for the server's timer
processing instead: about a second a pause on the dev server.
"""

from __future__ import annotations

from temporalio import activity

from swengine.core.ir import PAUSE_ACTIVITY


@activity.defn(name=PAUSE_ACTIVITY)
async def pause() -> None:
    return None

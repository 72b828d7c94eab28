"""Running a check: the worker, the box it runs in, and the messages it sends.

``runner`` drives the warm worker (``worker``) through a ``job``, watches each process
run (``supervise``) and turns what happened into a ``Result`` (``results``);
``protocol`` declares every message; ``confine`` and ``sandbox`` keep learner code in
its box and within its limits; ``codetext`` cleans code before it runs.
"""

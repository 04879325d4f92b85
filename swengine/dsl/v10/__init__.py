"""The front end of the task DSL (DSL 1.0.x, ``document``/``do``): its schema, task walk and semantic checks."""

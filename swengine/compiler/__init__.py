"""The compiler: a validated 0.8 document (dict) to a ``WorkflowIR`` with all spec sugar lowered."""

from swengine.compiler.context import COMPILE_ERROR, CompileContext
from swengine.compiler.workflow import compile_workflow

__all__ = ["COMPILE_ERROR", "CompileContext", "compile_workflow"]

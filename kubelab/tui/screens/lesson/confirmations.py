"""The questions the lesson screen asks before it reveals the solution, changes the cluster, or
leaves a command running in the console behind (the screen says what a yes does)."""

from __future__ import annotations

from kubelab.tui.screens.confirm import Question

REVEAL_SOLUTION = Question("Reveal the solution of this step?", yes="Reveal")

APPLY_SOLUTION = Question(
    "Apply the solution to the cluster for you? The step will count as assisted.", yes="Apply"
)

RESET_STEP = Question(
    "Reset this step? The lesson's namespace is emptied and the steps before this one are "
    "applied again. Your passed steps stay passed.",
    yes="Reset",
)

RESET_LESSON = Question(
    "Reset the whole lesson? Everything in its namespace is deleted and the setup is applied "
    "again. Your passed steps stay passed.",
    yes="Reset",
)

LEAVE_RUNNING_COMMAND = Question(
    "A command is still running in the console. Back to the lessons? The console closes and "
    "the command is stopped.",
    yes="Leave",
)

"""The lesson screen (`screen.py`) and its parts:

- `keys.py`: its key bindings (the step's actions, scrolling the lesson text);
- `step_view.py`: what the step pane shows, built from the lesson's state;
- `grading.py`: grading one step at a time in a worker, and what a result does;
- `step_actions.py`: hints, the solution, apply for me, resets, the next command typed in the
  console, and the step's own setup;
- `confirmations.py`: the questions asked before revealing, changing or leaving;
- `console_setup.py`: the learner's shell and its kubeconfig;
- `workers.py`: a thread worker whose outcome comes back on the app's thread.
"""

from kubelab.tui.screens.lesson.keys import SCROLL_BINDINGS
from kubelab.tui.screens.lesson.screen import LessonScreen

__all__ = ["SCROLL_BINDINGS", "LessonScreen"]

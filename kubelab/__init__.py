"""kubelab: an interactive, self-grading learning lab for Kubernetes Services."""

__version__ = "0.1.0"

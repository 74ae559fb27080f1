"""One module per `kubelab` subcommand, imported lazily by `kubelab.cli`."""

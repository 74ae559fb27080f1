"""Shared fixtures. A simulator fixture (real `kubelab sim serve` + real kubectl) lives here."""

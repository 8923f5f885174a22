"""PLACEHOLDER (lead): the owning helper replaces this module and keeps ``register()``."""


def register() -> None:
    """Called once from LicensingConfig.ready()."""

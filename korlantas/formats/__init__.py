"""The portal's own date formats (``FORMAT_MODULE_PATH``), per language; a language without a
module here keeps Django's."""

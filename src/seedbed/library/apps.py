from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "seedbed.library"
    label = "library"
    verbose_name = "Library"

# The custom-preset model is CustomPreset, so that it is never confused with the typed
# ``mediamill.presets.Preset`` that describes every preset, system or custom.

from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("jobs", "0004_userlimits"),
    ]

    operations = [
        migrations.RenameModel(old_name="Preset", new_name="CustomPreset"),
    ]

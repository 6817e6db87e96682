"""The web app's own forms; sign-in is ``accounts.signin.SignInForm`` (throttled)."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib.auth.forms import UserCreationForm, UsernameField
from django.contrib.auth.models import User
from django.core.validators import RegexValidator

# A user name is also the start of the person's bucket names (web.personal), which S3
# allows only in lower case, digits and '-'.
username_rule = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$",
    "Use 3 to 40 lower-case letters, digits and hyphens, starting and ending with a letter "
    "or digit.",
)


class SignUpForm(UserCreationForm[User]):
    email = forms.EmailField(
        required=False, help_text="Optional; needed to reset a forgotten password."
    )

    class Meta:
        model = User
        fields = ("username", "email")
        field_classes: ClassVar[dict[str, Any]] = {"username": UsernameField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].validators.append(username_rule)
        self.fields["username"].help_text = username_rule.message


class AccessKeyForm(forms.Form):
    description = forms.CharField(
        max_length=255, required=False, help_text="What the key is for, e.g. 'laptop scripts'."
    )

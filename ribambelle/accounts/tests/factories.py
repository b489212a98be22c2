"""Accounts by role. Created through the manager's create_user, as the application does, so
that the e-mail is normalized and a missing password is unusable (an invited account)."""

import factory
from factory.django import DjangoModelFactory

from ribambelle.accounts.models import Role, User
from ribambelle.tenants.tests.factories import MunicipalityFactory

PASSWORD = "Correct-Horse-Battery-42"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    municipality = factory.SubFactory(MunicipalityFactory)
    email = factory.Sequence(lambda n: f"compte{n}@example.org")
    role = Role.PARENT
    password = PASSWORD

    @classmethod
    def _create(cls, model_class, *args, email, password, **kwargs):
        return model_class.objects.create_user(email, password, **kwargs)


class ParentFactory(UserFactory):
    role = Role.PARENT


class AgentFactory(UserFactory):
    role = Role.AGENT


class ManagerFactory(UserFactory):
    role = Role.MANAGER


class ReadOnlyFactory(UserFactory):
    role = Role.READ_ONLY

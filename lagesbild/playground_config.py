"""The Agents Playground's config: the mock tenant, bot and users, with ids that are stable
across runs. The mock users are the demo municipality's Teams members
(`lagesbild/demo_data/members.csv`)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

DEMO_TENANT_ID = "00000000-0000-4000-8000-000000000001"
DEMO_BOT_ID = "28:00000000-0000-4000-8000-000000000011"
DEMO_BOT_NAME = "Lägesbild"


class PlaygroundError(RuntimeError):
    """The Playground could not be installed, started or reached; the message says why (sv/en)."""


@dataclass(frozen=True, slots=True)
class MockUser:
    """A person in the Playground's mock tenant, as the bot sees them in activities and rosters."""

    key: str
    id: str
    name: str
    given_name: str
    surname: str
    email: str
    aad_object_id: str

    def to_config(self) -> dict[str, str]:
        # "userPrincipleName" is the Playground's own spelling of the key.
        return {
            "id": self.id,
            "name": self.name,
            "userPrincipleName": self.email,
            "aadObjectId": self.aad_object_id,
            "givenName": self.given_name,
            "surname": self.surname,
            "email": self.email,
        }


def _user(key: str, given: str, surname: str, n: int) -> MockUser:
    return MockUser(
        key=key,
        id=f"29:lagesbild-demo-{key}",
        name=f"{given} {surname}",
        given_name=given,
        surname=surname,
        email=f"{key}@demo.lagesbild.se",
        aad_object_id=f"00000000-0000-4000-8000-0000000000{n:02d}",
    )


# The Playground's own mock people (its built-in config uses these names), with stable ids.
DEMO_USERS: tuple[MockUser, ...] = (
    _user("alexw", "Alex", "Wilber", 20),
    _user("meganb", "Megan", "Bowen", 21),
    _user("adelev", "Adele", "Vance", 22),
    _user("isaiahl", "Isaiah", "Langer", 23),
    _user("pattif", "Patti", "Fernandez", 24),
    _user("lynner", "Lynne", "Robbins", 25),
)


@dataclass(frozen=True, slots=True)
class PlaygroundConfig:
    """Everything the Playground's config file says; every id is stable across runs."""

    current_user: MockUser = DEMO_USERS[0]
    users: tuple[MockUser, ...] = DEMO_USERS
    tenant_id: str = DEMO_TENANT_ID
    bot_id: str = DEMO_BOT_ID
    bot_name: str = DEMO_BOT_NAME
    group_chat_id: str = "19:lagesbild-demo-groupchat@thread.v2"
    group_chat_name: str = "Lägesbild demo"
    team_id: str = "19:lagesbild-demo-team@thread.tacv2"  # also the General channel's id
    team_name: str = "Demokommunen"
    team_aad_group_id: str = "00000000-0000-4000-8000-000000000031"
    channel_id: str = "19:lagesbild-demo-est@thread.tacv2"
    channel_name: str = "EST"

    def __post_init__(self) -> None:
        if self.current_user not in self.users:
            raise PlaygroundError(f"{self.current_user.email} finns inte bland Playgroundens användare")
        if len(self.users) != 6:  # the schema wants the current user plus exactly five others
            raise PlaygroundError("Agents Playground behöver exakt sex användare / needs exactly six users")
        if len({u.id for u in self.users}) != len(self.users):
            raise PlaygroundError("Användar-id måste vara unika / user ids must be unique")

    @property
    def personal_chat_id(self) -> str:
        """The current user's 1:1 chat with the bot: the conversation id the bot sees."""
        return f"a:lagesbild-demo-personal-{self.current_user.key}"

    @property
    def others(self) -> tuple[MockUser, ...]:
        return tuple(u for u in self.users if u != self.current_user)

    def user(self, who: str) -> MockUser:
        """A user by key, email, AAD object id or Teams id."""
        wanted = who.strip().lower()
        for u in self.users:
            if wanted in (u.key, u.email.lower(), u.aad_object_id, u.id.lower()):
                return u
        raise PlaygroundError(f"Ingen Playground-användare {who!r} / no Playground user {who!r}")

    def for_user(self, who: str) -> PlaygroundConfig:
        """The same world seen by another person (their personal chat id follows them)."""
        return dataclasses.replace(self, current_user=self.user(who))

    def document(self) -> dict[str, object]:
        return {
            "version": "0.1.1",
            "tenantId": self.tenant_id,
            "bot": {"id": self.bot_id, "name": self.bot_name},
            "currentUser": self.current_user.to_config(),
            "users": [u.to_config() for u in self.others],
            "personalChat": {"id": self.personal_chat_id},
            "groupChat": {"id": self.group_chat_id, "name": self.group_chat_name},
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "aadGroupId": self.team_aad_group_id,
                "channels": [{"id": self.channel_id, "name": self.channel_name}],
            },
        }

    def render(self) -> str:
        """The config file's text: JSON, which is YAML, so the Playground's YAML reader takes it."""
        header = "# Written by lagesbild/playground.py on every start; edit PlaygroundConfig instead.\n"
        return header + json.dumps(self.document(), indent=2, ensure_ascii=False) + "\n"

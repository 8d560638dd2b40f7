"""Private per-user profiles (what a user told the coach about themselves): expiring, forgettable, never shared."""

from __future__ import annotations

from sqlalchemy import delete, select

from bot.core.profile import Profile
from bot.models import Platform
from bot.state.base import ExpiringStore
from bot.state.guard import best_effort


class ProfileStore(ExpiringStore):
    """One profile per (platform, user); a profile not updated within `retention` is gone, like memory."""

    TABLE = "profiles"

    def get(self, platform: Platform, user: str) -> Profile:
        profiles = self.table
        rows = self.rows(
            select(profiles.c.profile_json).where(
                profiles.c.platform == Platform(platform).value,
                profiles.c.user_id == user,
                profiles.c.updated_at >= self.cutoff(),
            )
        )
        return Profile.model_validate_json(rows[0][0]) if rows else Profile()

    @best_effort()
    def put(self, platform: Platform, user: str, profile: Profile, workspace: str = "") -> None:
        """Keep the user's profile (an empty one is erased). `workspace`: where they last told the coach about
        themselves, so a workspace's uninstall erases it."""
        if profile.is_empty():
            self.forget(platform, user)
            return
        row = self.database.insert(self.table).values(
            platform=Platform(platform).value,
            user_id=user,
            workspace=workspace,
            profile_json=profile.model_dump_json(exclude_none=True),
            updated_at=self.now(),
        )
        replace = {name: row.excluded[name] for name in ("workspace", "profile_json", "updated_at")}
        with self.database.begin() as connection:
            connection.execute(row.on_conflict_do_update(index_elements=["platform", "user_id"], set_=replace))

    @best_effort(default=0)
    def purge_expired(self) -> int:
        return self.erase(delete(self.table).where(self.table.c.updated_at < self.cutoff()))

"""Private per-user profiles (what a user told the coach about themselves): expiring, forgettable, never shared."""

from __future__ import annotations


from bot.core.profile import Profile
from bot.models import Platform
from bot.state.guard import best_effort
from bot.state.sqlite import ExpiringStore, epoch


class ProfileStore(ExpiringStore):
    """One profile per (platform, user); a profile not updated within `retention` is gone, like memory."""

    SCHEMA = """
        CREATE TABLE IF NOT EXISTS profiles (
            platform TEXT NOT NULL,
            user TEXT NOT NULL,
            profile_json TEXT NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (platform, user)
        );
    """

    def get(self, platform: Platform, user: str) -> Profile:
        rows = self.query(
            "SELECT profile_json FROM profiles WHERE platform = ? AND user = ? AND updated_at >= ?",
            (Platform(platform).value, user, self.cutoff()),
        )
        return Profile.model_validate_json(rows[0][0]) if rows else Profile()

    @best_effort()
    def put(self, platform: Platform, user: str, profile: Profile) -> None:
        if profile.is_empty():
            self.forget(platform, user)
            return
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO profiles (platform, user, profile_json, updated_at) VALUES (?, ?, ?, ?)",
                (Platform(platform).value, user, profile.model_dump_json(exclude_none=True), epoch(self._clock())),
            )

    def forget(self, platform: Platform, user: str) -> int:
        return self.erase("DELETE FROM profiles WHERE platform = ? AND user = ?", (Platform(platform).value, user))

    @best_effort(default=0)
    def purge_expired(self) -> int:
        return self.erase("DELETE FROM profiles WHERE updated_at < ?", (self.cutoff(),))

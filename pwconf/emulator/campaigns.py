"""The emulator's campaigns (contract §8a): created, listed a cursor page at a time, deleted."""

from __future__ import annotations

from typing import Any

from pwconf.emulator.fields import Call, Handlers, fail, integer, string
from pwconf.emulator.store import Application

# A small page, so that a few campaigns already take several getCampaigns calls [decided].
CAMPAIGN_PAGE_SIZE = 2


def campaign_of(code: Any, path: str, app: Application) -> str:
    """`code` as a campaign of `app`, else a 210 naming `path`."""
    if string(code, path) not in app.campaigns:
        fail(f"Invalid {path}: campaign {code!r} not found in this application")
    return code


class CampaignMethods(Handlers):
    def create_campaign(self, call: Call) -> Any:
        app = self._application(call)
        name = call.get("name", string)
        description = call.get("description", string, empty_ok=True, default=None)
        if any(c["name"] == name for c in app.campaigns.values()):
            fail("Campaign already exists")  # [decided] names unique within an application
        code = self.store.new_code()
        app.campaigns[code] = {"code": code, "name": name, "description": description}
        self.store.mark_changed()
        return {"campaign": code}

    def get_campaigns(self, call: Call) -> Any:
        """One page; the cursor is the offset of the next page, empty on the last [decided]."""
        app = self._application(call)
        limit = min(
            CAMPAIGN_PAGE_SIZE, call.get("limit", integer, low=1, default=CAMPAIGN_PAGE_SIZE)
        )
        start = 0
        if call.request.get("cursor"):
            cursor = call.get("cursor", string)
            if not cursor.isdigit():
                fail("Invalid cursor: not a cursor of getCampaigns")
            start = int(cursor)
        campaigns = list(app.campaigns.values())
        page = campaigns[start : start + limit]
        after = start + len(page)
        return {
            "campaigns": [dict(c) for c in page],
            "limit": limit,
            "cursor": str(after) if after < len(campaigns) else "",
        }

    def delete_campaign(self, call: Call) -> Any:
        code = call.get("campaign", string)
        for app in call.account.applications.values():
            if code in app.campaigns:
                self._application_by_code(call, app.code).drop_campaign(code)
                self.store.mark_changed()
                return None
        fail("Campaign not found")

"""Every social write: follows, blocks and mutes; likes, comments and shares; views.

The one home of each: pages, the API and later apps (feeds, closure) call these functions,
never the models. Each is keyword-only and atomic; notifications go through
``notifications.services.notification_send``; an action for an organisation is recorded in
its action log (``accounts.services.organisation_action_record``) naming the member.
"""

from __future__ import annotations

# --- Follows, blocks, mutes ------------------------------------------------------------------


# --- Likes, comments, shares -----------------------------------------------------------------


# --- Views, watch history, hashtags, search ---------------------------------------------------

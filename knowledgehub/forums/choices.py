from django.utils.translation import gettext_lazy as _

from knowledgehub.knowledge.choices import Audience

#: Audiences a forum thread may have (a thread is a conversation, so never "only me").
THREAD_AUDIENCES = [
    (Audience.PUBLIC, Audience.PUBLIC.label),
    (Audience.MEMBERS, Audience.MEMBERS.label),
    (Audience.COMMUNITY, Audience.COMMUNITY.label),
]

REPLIES_PER_PAGE = 50
THREADS_PER_PAGE = 25
#: The most text of a thread (opening post and replies) that goes into its index entry.
ITEM_TEXT_LIMIT = 20_000
LOCKED_MESSAGE = _("This thread is locked. No new replies can be added.")

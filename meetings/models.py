"""Every capability's models, imported together so the metadata (and Alembic) sees all tables
whichever blueprints are registered."""
from meetings.auth import models as auth_models  # noqa: F401
from meetings.blog import models as blog_models  # noqa: F401
from meetings.calendar import models as calendar_models  # noqa: F401
from meetings.events import models as events_models  # noqa: F401
from meetings.followup import models as followup_models  # noqa: F401
from meetings.inbound import models as inbound_models  # noqa: F401
from meetings.invitations import models as invitations_models  # noqa: F401
from meetings.mail import models as mail_models  # noqa: F401
from meetings.network import models as network_models  # noqa: F401
from meetings.pages import models as pages_models  # noqa: F401
from meetings.participants import models as participants_models  # noqa: F401
from meetings.polls import models as polls_models  # noqa: F401
from meetings.registration import models as registration_models  # noqa: F401
from meetings.venues import models as venues_models  # noqa: F401

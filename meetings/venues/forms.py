from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField, URLField
from wtforms.validators import InputRequired, Length

from meetings.core.forms import BaseForm, ZoneField, country_choices, url_validators


class VenueForm(BaseForm):
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Please enter the name of the venue.")), Length(max=200)])
    room = StringField(_l("Room"), validators=[Length(max=200)])
    address = StringField(_l("Street and number"), validators=[InputRequired(message=_l("Please enter the address.")), Length(max=300)])
    postal_code = StringField(_l("Postal code"), validators=[Length(max=20)])
    city = StringField(_l("City"), validators=[InputRequired(message=_l("Please enter the city.")), Length(max=120)])
    country = SelectField(_l("Country"), choices=country_choices, default="NL")
    map_url = URLField(_l("Map link"), description=_l("A link to the venue on a map."), validators=url_validators())
    directions = TextAreaField(_l("Directions"), validators=[Length(max=4000)])
    accessibility = TextAreaField(_l("Accessibility"), description=_l("Step-free access, lifts, accessible toilets, hearing loops."), validators=[Length(max=4000)])
    timezone = ZoneField(_l("Time zone"), description=_l("Meeting times at this venue are entered and shown in this zone."))

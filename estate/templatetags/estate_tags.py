from django import template

from estate.selectors import care_tags_of

register = template.Library()


@register.simple_tag
def room_care_tags(room):
    """[(tag, resident)] for the room's current people (uses the prefetched `room.current`)."""
    return care_tags_of(room)


@register.simple_tag
def estate_timeline(entries, labels):
    from estate.views import timeline_html

    return timeline_html(entries, labels)

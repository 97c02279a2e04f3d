"""Discord's size limits that knowledge text and composed answers must respect."""

EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_LIMIT = 1024
EMBED_TITLE_LIMIT = 256
MESSAGE_LIMIT = 2000
BUTTON_LABEL_LIMIT = 80

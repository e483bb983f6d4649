"""The decision register's exports: its columns (the CSV and Markdown writers are ``console.exports``)."""

REGISTER_COLUMNS = (
    "ID",
    "Opened",
    "Committee",
    "Kind",
    "Title",
    "Status",
    "Outcome",
    "Closed",
    "Endorsed",
)

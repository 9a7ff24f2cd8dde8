"""Stage 1, load: files in, marked values out. Finds the template files a scan reads, parses
YAML/JSON into values that remember their line and column, and reads the other files a template
names (handler code, state machine definitions, the user's own configuration files)."""

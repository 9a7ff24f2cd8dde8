"""Stage 3, model: the typed resources loop detection needs (functions, buckets, queues, topics,
tables, streams, buses and rules, state machines, roles and policies), read from SAM and raw
CloudFormation alike, with the triggers and IAM grants between them."""

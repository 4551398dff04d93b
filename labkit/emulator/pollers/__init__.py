"""Event-source pollers: components that read an event source and invoke Lambda, like
the pollers AWS runs for event source mappings (sqs_event_source.py: SQS -> Lambda)."""

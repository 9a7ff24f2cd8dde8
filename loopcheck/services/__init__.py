"""Stage 2b, services: what loopcheck knows about each AWS service, one module per service
(node kinds and resource types, write actions and what they emit, the verb used in messages,
the filter matcher, raw CloudFormation and SAM event readers, runtime loop detection
coverage), listed in loopcheck.services.registry. Adding a service is adding a module here
and a line there."""

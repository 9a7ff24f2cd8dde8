"""What loopcheck knows about AWS, kept as tables with their sources (see AWS-FACTS.md)."""

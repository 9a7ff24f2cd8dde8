"""Cross-stack stage: loops whose hops live in two or more templates of one scan."""

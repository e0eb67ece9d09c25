"""Energy ratings of AI models: grades, labels and their plots."""

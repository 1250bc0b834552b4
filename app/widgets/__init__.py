"""Qt panels of the main window (thin: they display and forward, presenters decide)."""

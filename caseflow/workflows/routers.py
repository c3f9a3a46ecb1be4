"""Named routers: pick a transition's target from the case's data.

Product workflows register their own (amount thresholds, kinds); the engine only calls them.
Each router declares every target it may return so that ``registry.validate`` can check them.
"""

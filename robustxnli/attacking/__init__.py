"""Attacking a checkpoint: the attack runner (``runner.attack_run``: one resumable run dir per language × recipe)
and the ``robustxnli attack`` / ``robustxnli recipes list`` commands.

A layer above the recipe registry (``robustxnli.recipes``), which sits above the attack engine
(``robustxnli.attacks``): the runner looks recipes up by name, file plug-in or entry point, so it cannot live in
the engine the recipes are built from. Sweep cells name the runner as ``robustxnli.attacking.runner:attack_run``
(before the move: ``robustxnli.attacks.runner:attack_run``, still accepted and still the name cells are hashed
under; see ``robustxnli.sweep.config.MOVED_FUNCTIONS``).
"""

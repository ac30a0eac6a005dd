"""Controls at scale: pure policies for overlap, jitter, budgets, failures and SLAs.

Nothing here touches the database or the clock; the scheduler's claim step
(:mod:`app.scheduler.gate`) and the repository (:mod:`app.db.repositories.controls`)
apply these decisions, so every worker process decides the same way.
"""

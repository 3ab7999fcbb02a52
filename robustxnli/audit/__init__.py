"""``robustxnli audit``: human validity judgements of adversarial examples (sample, sheet, ingest, statistics)."""

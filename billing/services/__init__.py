"""Every write of the money side: keyword-only `<thing>_<verb>(*, actor, ...)`, one transaction,
the room's Account row locked (select_for_update) before any sum of the room changes, rules
checked, the audit trail written. One module per workflow; the public names are re-exported here."""

# mk/engine.mk: the sync engine and worker (lead).

# mk/usage.mk: the TUI usage view (U) and the usage sparkline (issue 7).
